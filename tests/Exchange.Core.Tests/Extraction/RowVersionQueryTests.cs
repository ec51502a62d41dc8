using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class RowVersionQueryTests
{
    [Fact]
    public void Build_AfterTheLastVersion_StopsBelowTheBound()
    {
        Assert.Equal(
            "SELECT TOP (@limit) [AAZ223], [AAE022], CAST([RV] AS bigint) AS [exchange_rowversion] FROM [dbo].[AC43] " +
            "WHERE [RV] > CAST(@after AS binary(8)) AND [RV] < CAST(@upper AS binary(8)) ORDER BY [RV]",
            RowVersionQuery.Build("dbo.AC43", ["AAZ223", "AAE022"], "RV", hasLowerBound: true));
    }

    [Fact]
    public void Build_FirstRun_HasOnlyTheBound()
    {
        Assert.Equal(
            "SELECT TOP (@limit) *, CAST([RV] AS bigint) AS [exchange_rowversion] FROM [AC43] WHERE [RV] < CAST(@upper AS binary(8)) ORDER BY [RV]",
            RowVersionQuery.Build("AC43", [], "RV", hasLowerBound: false));
    }

    [Fact]
    public void PlanSql_ReadsMinActiveRowversion() =>
        Assert.Equal("SELECT SYSUTCDATETIME() AS source_now, CAST(MIN_ACTIVE_ROWVERSION() AS bigint) AS upper", RowVersionQuery.PlanSql);
}
