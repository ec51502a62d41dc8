using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Sources;

/// <summary>Every statement the daemon can send to an Oracle source, word for word (no Oracle server runs here).</summary>
public sealed class OracleStatementsTests
{
    private const string AfterWatermark =
        "\"AAE036\" >= :ts AND (\"AAE036\" > :ts OR (\"AAE036\" = :ts AND \"AAZ223\" > :key)) AND \"AAE036\" <= :upper ORDER BY \"AAE036\", \"AAZ223\"";

    private const string CustomQuery = "SELECT a.AAZ223, a.AAE022, a.AAE036 FROM SICP3.AC43 a WHERE a.AAE019 > 0 AND {keyset}";

    [Theory]
    [InlineData(RowLimitSyntax.Standard, true, "SELECT \"AAZ223\", \"AAE022\", \"AAE036\" FROM \"SICP3\".\"AC43\" WHERE " + AfterWatermark + " FETCH FIRST :limit ROWS ONLY")]
    [InlineData(RowLimitSyntax.Standard, false, "SELECT \"AAZ223\", \"AAE022\", \"AAE036\" FROM \"SICP3\".\"AC43\" WHERE \"AAE036\" <= :upper ORDER BY \"AAE036\", \"AAZ223\" FETCH FIRST :limit ROWS ONLY")]
    [InlineData(RowLimitSyntax.OracleRownum, true, "SELECT * FROM (SELECT \"AAZ223\", \"AAE022\", \"AAE036\" FROM \"SICP3\".\"AC43\" WHERE " + AfterWatermark + ") WHERE ROWNUM <= :limit")]
    [InlineData(RowLimitSyntax.OracleRownum, false, "SELECT * FROM (SELECT \"AAZ223\", \"AAE022\", \"AAE036\" FROM \"SICP3\".\"AC43\" WHERE \"AAE036\" <= :upper ORDER BY \"AAE036\", \"AAZ223\") WHERE ROWNUM <= :limit")]
    public void ChunkQuery_Table(RowLimitSyntax rowLimit, bool hasLowerBound, string expected) =>
        Assert.Equal(expected, KeysetQuery.Build(SqlDialect.Oracle, "SICP3.AC43", ["AAZ223", "AAE022"], "AAE036", "AAZ223", hasLowerBound, rowLimit).Sql);

    [Fact]
    public void ChunkQuery_TableWithAllColumns_12c() => Assert.Equal(
        "SELECT * FROM \"AC43\" WHERE " + AfterWatermark + " FETCH FIRST :limit ROWS ONLY",
        KeysetQuery.Build(SqlDialect.Oracle, "AC43", [], "AAE036", "AAZ223", hasLowerBound: true).Sql);

    [Theory]
    [InlineData(RowLimitSyntax.Standard,
        "SELECT a.AAZ223, a.AAE022, a.AAE036 FROM SICP3.AC43 a WHERE a.AAE019 > 0 AND (\"a\".\"AAE036\" >= :ts AND (\"a\".\"AAE036\" > :ts OR (\"a\".\"AAE036\" = :ts AND \"a\".\"AAZ223\" > :key)) AND \"a\".\"AAE036\" <= :upper) ORDER BY \"a\".\"AAE036\", \"a\".\"AAZ223\" FETCH FIRST :limit ROWS ONLY")]
    [InlineData(RowLimitSyntax.OracleRownum,
        "SELECT * FROM (SELECT a.AAZ223, a.AAE022, a.AAE036 FROM SICP3.AC43 a WHERE a.AAE019 > 0 AND (\"a\".\"AAE036\" >= :ts AND (\"a\".\"AAE036\" > :ts OR (\"a\".\"AAE036\" = :ts AND \"a\".\"AAZ223\" > :key)) AND \"a\".\"AAE036\" <= :upper) ORDER BY \"a\".\"AAE036\", \"a\".\"AAZ223\") WHERE ROWNUM <= :limit")]
    public void ChunkQuery_Custom(RowLimitSyntax rowLimit, string expected) =>
        Assert.Equal(expected, KeysetQuery.BuildCustom(SqlDialect.Oracle, CustomQuery, "a.AAE036", "a.AAZ223", hasLowerBound: true, rowLimit).Sql);

    [Fact]
    public void ColumnsProbes() => Assert.Equal(
        ["SELECT \"AAZ223\", \"AAE036\" FROM \"SICP3\".\"AC43\" WHERE 1 = 0",
         "SELECT a.AAZ223, a.AAE022, a.AAE036 FROM SICP3.AC43 a WHERE a.AAE019 > 0 AND (1 = 0)"],
        [KeysetQuery.ColumnsProbe(SqlDialect.Oracle, "SICP3.AC43", ["AAZ223"], "AAE036", "AAZ223"), KeysetQuery.CustomColumnsProbe(CustomQuery)]);

    [Theory]
    [InlineData("oracle.host_cpu", "SELECT value FROM v$sysmetric WHERE metric_name = 'Host CPU Utilization (%)' AND group_id = 3")]
    [InlineData("oracle.average_active_sessions", "SELECT value FROM v$sysmetric WHERE metric_name = 'Average Active Sessions' AND group_id = 3")]
    [InlineData("oracle.active_sessions",
        "SELECT COUNT(*) FROM v$session WHERE type = 'USER' AND status = 'ACTIVE' AND (module IS NULL OR module NOT LIKE 'exchange%') AND sid <> SYS_CONTEXT('USERENV', 'SID')")]
    [InlineData("oracle.rac.host_cpu", "SELECT MAX(value) FROM gv$sysmetric WHERE metric_name = 'Host CPU Utilization (%)' AND group_id = 3")]
    [InlineData("oracle.rac.average_active_sessions", "SELECT SUM(value) FROM gv$sysmetric WHERE metric_name = 'Average Active Sessions' AND group_id = 3")]
    [InlineData("oracle.rac.active_sessions",
        "SELECT COUNT(*) FROM gv$session WHERE type = 'USER' AND status = 'ACTIVE' AND (module IS NULL OR module NOT LIKE 'exchange%') AND NOT (inst_id = SYS_CONTEXT('USERENV', 'INSTANCE') AND sid = SYS_CONTEXT('USERENV', 'SID'))")]
    public void ProbePreset(string name, string expected)
    {
        var preset = ProbePresets.All[name];
        Assert.Equal(SqlDialect.Oracle, preset.Dialect);
        Assert.Equal(expected, preset.Sql);
    }

    [Fact]
    public void ProbePresets_AreAllCoveredAbove() => Assert.Equal(6, ProbePresets.All.Count(p => p.Value.Dialect == SqlDialect.Oracle));

    [Fact]
    public void StandbyReplayedPoint() => Assert.Equal(
        "SELECT SYS_EXTRACT_UTC(SYSTIMESTAMP) AS now, d.database_role AS role, (SELECT s.value FROM v$dataguard_stats s WHERE s.name = 'apply lag') AS apply_lag FROM v$database d",
        StandbyReplay.Sql(SqlDialect.Oracle));

    [Theory]
    [InlineData("+00 00:00:05", 5.0)]
    [InlineData("+01 02:03:04.5", 93784.5)]
    [InlineData("-00 00:00:01", -1.0)]
    public void StandbyReplay_ParsesTheApplyLagInterval(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), StandbyReplay.ParseOracleInterval(text));

    [Fact]
    public void StandbyReplay_AnApplyLagThatIsNoInterval_IsUnknown() => Assert.Null(StandbyReplay.ParseOracleInterval("unknown"));

    [Fact]
    public void Canary() => Assert.Equal("SELECT 1 FROM dual", ProbePresets.CanarySql(SqlDialect.Oracle));

    [Theory]
    [InlineData("11.2.0.4.0", RowLimitSyntax.OracleRownum)]
    [InlineData("10.2.0.5.0", RowLimitSyntax.OracleRownum)]
    [InlineData("12.1.0.2.0", RowLimitSyntax.Standard)]
    [InlineData("19.0.0.0.0", RowLimitSyntax.Standard)]
    [InlineData("23.4.0.24.5", RowLimitSyntax.Standard)]
    public void RowLimit_IsChosenFromTheServerVersion(string serverVersion, RowLimitSyntax expected) =>
        Assert.Equal(expected, SqlDialects.RowLimitFor(SqlDialect.Oracle, serverVersion));

    [Fact]
    public void RowLimit_OtherDialects_AreStandard() =>
        Assert.Equal(RowLimitSyntax.Standard, SqlDialects.RowLimitFor(SqlDialect.SqlServer, "11.00.7001"));

    [Fact]
    public void Quote_AName_LongerThan128_IsRefusedNamingTheLimit()
    {
        var name = new string('A', 129);
        var error = Assert.Throws<ArgumentException>(() => SqlDialect.Oracle.Quote("SICP3." + name));
        Assert.Contains("has 129 characters; Oracle names have at most 128", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_KeepsTheCaseConfigured_AndAllowsDollarAndHash() =>
        Assert.Equal("\"SICP3\".\"AC43$H#\"", SqlDialect.Oracle.Quote("SICP3.AC43$H#"));
}
