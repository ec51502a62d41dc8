using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Exchange.Core.Tests.Sources;

/// <summary>Every T-SQL statement the daemon can send to a SQL Server source parses without errors (ScriptDom, SQL Server 2022 grammar).</summary>
public sealed class SqlServerStatementsTests
{
    private const string CustomQuery = "SELECT a.AAZ223, a.AAC001, a.AAE022, a.AAE036 FROM dbo.AC43 a JOIN dbo.AC01 p ON p.AAC001 = a.AAC001 WHERE a.AAE019 > 0 AND {keyset}";

    /// <summary>
    /// The statements, named: chunk queries of every watermark shape, column probes, session settings, load probes, canary,
    /// the standby's replayed point. Request queries are the operator's own text, sent as configured: the daemon composes none.
    /// </summary>
    public static TheoryData<string, string> Statements()
    {
        var data = new TheoryData<string, string>();
        foreach (var lower in new[] { false, true })
        {
            var shape = lower ? "after a watermark" : "first run";
            data.Add($"table, all columns, {shape}", KeysetQuery.Build(SqlDialect.SqlServer, "dbo.AC43", [], "AAE036", "AAZ223", lower).Sql);
            data.Add($"table, listed columns, {shape}", KeysetQuery.Build(SqlDialect.SqlServer, "AC43", ["AAZ223", "AAC001", "AAE022"], "AAE036", "AAZ223", lower).Sql);
            data.Add($"custom query, {shape}", KeysetQuery.BuildCustom(SqlDialect.SqlServer, CustomQuery, "a.AAE036", "a.AAZ223", lower).Sql);
            data.Add($"key walk, {shape}", KeysetQuery.BuildKeys(SqlDialect.SqlServer, "dbo.AC43", "AAZ223", lower));
        }

        data.Add("columns probe", KeysetQuery.ColumnsProbe(SqlDialect.SqlServer, "dbo.AC43", ["AAZ223", "AAC001"], "AAE036", "AAZ223"));
        data.Add("custom columns probe", KeysetQuery.CustomColumnsProbe(CustomQuery));
        foreach (var isolation in Enum.GetValues<SqlServerIsolation>())
        {
            data.Add("session isolation " + isolation, SourceSessions.SqlServerIsolationSql(isolation));
        }

        foreach (var (name, preset) in ProbePresets.All.Where(p => p.Value.Dialect == SqlDialect.SqlServer))
        {
            data.Add("probe " + name, preset.Sql);
        }

        data.Add("canary", ProbePresets.CanarySql(SqlDialect.SqlServer));
        data.Add("standby replayed point", StandbyReplay.Sql(SqlDialect.SqlServer));
        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_ParsesWithoutErrors(string name, string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        Assert.True(errors.Count == 0, $"{name}: {string.Join("; ", errors.Select(e => $"{e.Message} at {e.Line}:{e.Column}"))}\n{sql}");
    }

    [Fact]
    public void Statements_CoverEveryPresetOfTheDialect() =>
        Assert.Equal(
            ProbePresets.All.Count(p => p.Value.Dialect == SqlDialect.SqlServer),
            Statements().Count(row => ((string)row[0]).StartsWith("probe ", StringComparison.Ordinal)));

    [Fact]
    public void Parser_RejectsBrokenTSql_SoTheTestsAboveCanFail()
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader("SELECT TOP (@limit * FROM [AC43] ORDER BY");
        parser.Parse(reader, out var errors);
        Assert.NotEmpty(errors);
    }
}
