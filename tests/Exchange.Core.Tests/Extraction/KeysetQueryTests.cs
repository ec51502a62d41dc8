using Exchange.Core.Extraction;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Extraction;

public sealed class KeysetQueryTests
{
    private static readonly string[] Columns = ["AAZ223", "AAC001", "AAE022"];

    [Fact]
    public void Build_Sqlite_AfterWatermark_UsesLimit()
    {
        var query = KeysetQuery.Build(SqlDialect.Sqlite, "AC43", Columns, "AAE036", "AAZ223", hasLowerBound: true);
        Assert.Equal(
            "SELECT \"AAZ223\", \"AAC001\", \"AAE022\", \"AAE036\" FROM \"AC43\" WHERE \"AAE036\" >= @ts AND (\"AAE036\" > @ts OR (\"AAE036\" = @ts AND \"AAZ223\" > @key)) AND \"AAE036\" <= @upper ORDER BY \"AAE036\", \"AAZ223\" LIMIT @limit",
            query.Sql);
    }

    [Fact]
    public void Build_Postgres_FirstRun_OmitsTheLowerBound()
    {
        var query = KeysetQuery.Build(SqlDialect.Postgres, "si.ac43", [], "aae036", "aaz223", hasLowerBound: false);
        Assert.Equal(
            "SELECT * FROM \"si\".\"ac43\" WHERE \"aae036\" <= @upper ORDER BY \"aae036\", \"aaz223\" LIMIT @limit",
            query.Sql);
    }

    [Fact]
    public void Build_Oracle_UsesColonParametersAndFetchFirst()
    {
        var query = KeysetQuery.Build(SqlDialect.Oracle, "SICP3.AC43", [], "AAE036", "AAZ223", hasLowerBound: true);
        Assert.Equal(
            "SELECT * FROM \"SICP3\".\"AC43\" WHERE \"AAE036\" >= :ts AND (\"AAE036\" > :ts OR (\"AAE036\" = :ts AND \"AAZ223\" > :key)) AND \"AAE036\" <= :upper ORDER BY \"AAE036\", \"AAZ223\" FETCH FIRST :limit ROWS ONLY",
            query.Sql);
    }

    [Fact]
    public void Build_SqlServer_UsesTopAndBrackets()
    {
        var query = KeysetQuery.Build(SqlDialect.SqlServer, "dbo.AC43", ["AAZ223", "AAE036"], "AAE036", "AAZ223", hasLowerBound: true);
        Assert.Equal(
            "SELECT TOP (@limit) [AAZ223], [AAE036] FROM [dbo].[AC43] WHERE [AAE036] >= @ts AND ([AAE036] > @ts OR ([AAE036] = @ts AND [AAZ223] > @key)) AND [AAE036] <= @upper ORDER BY [AAE036], [AAZ223]",
            query.Sql);
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite, false, RowLimitSyntax.Standard, "SELECT \"AAZ223\" FROM \"AC43\" ORDER BY \"AAZ223\" LIMIT @limit")]
    [InlineData(SqlDialect.Postgres, true, RowLimitSyntax.Standard, "SELECT \"AAZ223\" FROM \"AC43\" WHERE \"AAZ223\" > @key ORDER BY \"AAZ223\" LIMIT @limit")]
    [InlineData(SqlDialect.Oracle, true, RowLimitSyntax.Standard, "SELECT \"AAZ223\" FROM \"AC43\" WHERE \"AAZ223\" > :key ORDER BY \"AAZ223\" FETCH FIRST :limit ROWS ONLY")]
    [InlineData(SqlDialect.Oracle, true, RowLimitSyntax.OracleRownum, "SELECT * FROM (SELECT \"AAZ223\" FROM \"AC43\" WHERE \"AAZ223\" > :key ORDER BY \"AAZ223\") WHERE ROWNUM <= :limit")]
    [InlineData(SqlDialect.SqlServer, true, RowLimitSyntax.Standard, "SELECT TOP (@limit) [AAZ223] FROM [AC43] WHERE [AAZ223] > @key ORDER BY [AAZ223]")]
    public void BuildKeys_ReadsTheKeyColumnOnly_AfterTheLastKey_InKeyOrder(SqlDialect dialect, bool after, RowLimitSyntax rowLimit, string expected) =>
        Assert.Equal(expected, KeysetQuery.BuildKeys(dialect, "AC43", "AAZ223", after, rowLimit));

    [Fact]
    public void Build_RejectsAColumnThatIsNotAnIdentifier_NamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            KeysetQuery.Build(SqlDialect.Sqlite, "AC43", ["AAE022 FROM x --"], "AAE036", "AAZ223", hasLowerBound: false));
        Assert.Contains("'AAE022 FROM x --'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SqlDialect.Postgres, " ORDER BY \"a\".\"AAE036\", \"a\".\"AAZ223\" LIMIT @limit")]
    [InlineData(SqlDialect.Oracle, " ORDER BY \"a\".\"AAE036\", \"a\".\"AAZ223\" FETCH FIRST :limit ROWS ONLY")]
    [InlineData(SqlDialect.SqlServer, " ORDER BY [a].[AAE036], [a].[AAZ223] OFFSET 0 ROWS FETCH NEXT @limit ROWS ONLY")]
    public void BuildCustom_PutsTheKeysetConditionInThePlaceholder_AndAppendsOrderAndLimit(SqlDialect dialect, string tail)
    {
        var query = KeysetQuery.BuildCustom(dialect, "SELECT a.* FROM AC43 a WHERE a.AAE019 > 0 AND {keyset};", "a.AAE036", "a.AAZ223", hasLowerBound: true);
        var p = dialect.ParameterPrefix();
        Assert.StartsWith("SELECT a.* FROM AC43 a WHERE a.AAE019 > 0 AND (", query.Sql, StringComparison.Ordinal);
        Assert.Contains($"{p}ts", query.Sql, StringComparison.Ordinal);
        Assert.Contains($"{p}key", query.Sql, StringComparison.Ordinal);
        Assert.Contains($"<= {p}upper)", query.Sql, StringComparison.Ordinal);
        Assert.EndsWith(tail, query.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildCustom_LeavesOutTheLowerBound_OnTheFirstRun()
    {
        var query = KeysetQuery.BuildCustom(SqlDialect.Sqlite, "SELECT * FROM v WHERE {keyset}", "ts", "id", hasLowerBound: false);
        Assert.Equal("SELECT * FROM v WHERE (\"ts\" <= @upper) ORDER BY \"ts\", \"id\" LIMIT @limit", query.Sql);
    }

    [Theory]
    [InlineData("SELECT * FROM v")]
    [InlineData("SELECT * FROM v WHERE {keyset} OR {keyset}")]
    public void BuildCustom_RefusesAQueryWithoutExactlyOnePlaceholder(string sql)
    {
        var error = Assert.Throws<ArgumentException>(() => KeysetQuery.BuildCustom(SqlDialect.Postgres, sql, "ts", "id", hasLowerBound: true));
        Assert.Contains("{keyset} exactly once", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "SELECT * FROM \"si\".\"ac43\" WHERE 1 = 0")]
    [InlineData(new[] { "aac001", "aae022" }, "SELECT \"aac001\", \"aae022\", \"aae036\", \"aaz223\" FROM \"si\".\"ac43\" WHERE 1 = 0")]
    public void ColumnsProbe_SelectsWhatTheChunkQuerySelects_WithoutARow(string[] columns, string expected)
    {
        var probe = KeysetQuery.ColumnsProbe(SqlDialect.Postgres, "si.ac43", columns, "aae036", "aaz223");
        Assert.Equal(expected, probe);
        var chunk = KeysetQuery.Build(SqlDialect.Postgres, "si.ac43", columns, "aae036", "aaz223", hasLowerBound: true).Sql;
        Assert.StartsWith(probe[..probe.IndexOf(" WHERE", StringComparison.Ordinal)] + " WHERE", chunk, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomColumnsProbe_ReplacesThePlaceholderWithAConditionThatReadsNoRow()
    {
        Assert.Equal("SELECT a.* FROM AC43 a WHERE a.AAE019 > 0 AND (1 = 0)", KeysetQuery.CustomColumnsProbe("SELECT a.* FROM AC43 a WHERE a.AAE019 > 0 AND {keyset};"));
    }
}
