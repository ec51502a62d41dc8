using System.Data.Common;
using Exchange.Core.Load;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Load;

/// <summary>The daemon's source sessions carry its name, and every probe preset that counts sessions leaves them out.</summary>
public sealed class SessionNamingTests
{
    [Theory]
    [InlineData(SqlDialect.Postgres)]
    [InlineData(SqlDialect.SqlServer)]
    public void Apply_NamesTheSessionsExchange(SqlDialect dialect)
    {
        var named = new DbConnectionStringBuilder { ConnectionString = SessionNaming.Apply(dialect, "Host=db1;Database=si") };
        Assert.Equal(ProbePresets.ApplicationName, named["Application Name"]);
    }

    [Theory]
    [InlineData("Host=db1;Application Name=etl")]
    [InlineData("Server=db1;App=etl")]
    [InlineData("Host=db1;ApplicationName=etl")]
    public void Apply_KeepsTheNameAConnectionStringGives(string connectionString) =>
        Assert.Equal(connectionString, SessionNaming.Apply(SqlDialect.Postgres, connectionString));

    [Theory]
    [InlineData(SqlDialect.Sqlite, "Data Source=demo.db")]
    [InlineData(SqlDialect.Oracle, "Data Source=//ora1/SIPROD")] // Oracle sessions are named by their module (SourceSessions)
    public void Apply_LeavesOtherDialectsAlone(SqlDialect dialect, string connectionString) =>
        Assert.Equal(connectionString, SessionNaming.Apply(dialect, connectionString));

    /// <summary>The presets that count sessions; the others read instance-wide figures (CPU, scheduler queues) in which no session can be told apart.</summary>
    public static TheoryData<string> SessionCountingPresets() => new(SessionCountingPresetNames());

    private static IEnumerable<string> SessionCountingPresetNames() =>
        ProbePresets.All.Where(p => p.Value.Sql.Contains("pg_stat_activity", StringComparison.Ordinal)
                                    || p.Value.Sql.Contains("v$session", StringComparison.Ordinal)
                                    || p.Value.Sql.Contains("dm_exec_requests", StringComparison.Ordinal)).Select(p => p.Key);

    [Theory]
    [MemberData(nameof(SessionCountingPresets))]
    public void EverySessionCountingPreset_LeavesOutTheDaemonsSessions(string preset) =>
        Assert.Contains($"NOT LIKE '{ProbePresets.ApplicationName}%'", ProbePresets.All[preset].Sql, StringComparison.Ordinal);

    [Fact]
    public void TheSessionCountingPresets_AreTheOnesExpected() => Assert.Equal(
        ["oracle.active_sessions", "oracle.rac.active_sessions", "postgres.active_backends", "sqlserver.active_requests"],
        SessionCountingPresetNames().Order(StringComparer.Ordinal));
}
