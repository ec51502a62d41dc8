using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Configuration;

/// <summary>The source entries of <see cref="ExchangeOptionsValidator"/>: provider names, standby and isolation settings.</summary>
public sealed class SourceOptionsValidationTests
{
    [Fact]
    public void UnknownProvider_IsNamedWithTheFourKnownOnes() => Assert.Contains(
        "appsettings.json: Exchange:Sources:prod:Provider: must be one of sqlite, postgres, oracle, sqlserver, was 'db2'",
        Problems(new SourceOptions { Provider = "db2", ConnectionString = "Server=x" }));

    [Fact]
    public void AStandbyWithDefaults_IsValid() => Assert.Empty(Problems(new SourceOptions
    {
        Provider = "oracle",
        ConnectionString = "Data Source=//ora1/SIPROD",
        ReadConnectionString = "Data Source=//adg1/SIPROD",
        ProbeOn = ProbeTarget.PrimaryAndStandby,
    }));

    [Fact]
    public void ASqliteStandby_ProbingAStandbyThatIsNotThere_ANonPositiveLag_AndIsolationOffSqlServer_AreEachNamed()
    {
        var problems = Problems(new SourceOptions
        {
            Provider = "sqlite",
            ConnectionString = "Data Source=a.db",
            ReadConnectionString = "Data Source=b.db",
            MaxReplicaLag = TimeSpan.Zero,
            Isolation = SqlServerIsolation.Snapshot,
        });
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Sources:prod:ReadConnectionString: is for postgres, oracle and sqlserver sources", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Exchange:Sources:prod:MaxReplicaLag: must be longer than zero, such as 00:05:00, was 00:00:00", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Exchange:Sources:prod:Isolation: is for sqlserver sources (ReadCommitted, Snapshot, SnapshotWhenAllowed), was Snapshot on a sqlite source", StringComparison.Ordinal));

        var noStandby = Problems(new SourceOptions { Provider = "postgres", ConnectionString = "Host=db1", ProbeOn = ProbeTarget.PrimaryAndStandby });
        Assert.Contains(noStandby, p => p.Contains("Exchange:Sources:prod:ProbeOn: is PrimaryAndStandby, but the source has no ReadConnectionString", StringComparison.Ordinal));
    }

    private static List<string> Problems(SourceOptions source) =>
        [.. ExchangeOptionsValidator.Validate(new ExchangeOptions { Sources = { ["prod"] = source } }).Select(p => p.ToString())];
}
