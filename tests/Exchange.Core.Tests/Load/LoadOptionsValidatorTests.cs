using Exchange.Core.Configuration;
using Exchange.Core.Load;

namespace Exchange.Core.Tests.Load;

public sealed class LoadOptionsValidatorTests
{
    private static (ScheduleOptions Schedule, ExchangeOptions Exchange) Config(params ProbeOptions[] probes)
    {
        var exchange = new ExchangeOptions();
        exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = "Host=x" };
        var schedule = new ScheduleOptions { Datasets = [new DatasetOptions { Name = "AC43", Source = "prod", Table = "ac43" }] };
        schedule.Load.Sources["prod"] = new SourceLoadOptions { Probes = [.. probes] };
        return (schedule, exchange);
    }

    private static IReadOnlyList<string> Problems((ScheduleOptions Schedule, ExchangeOptions Exchange) config) =>
        [.. LoadOptionsValidator.Validate(config.Schedule, config.Exchange).Select(p => p.ToString())];

    [Fact]
    public void Validate_AcceptsAPresetOfTheSourcesDialect()
    {
        Assert.Empty(Problems(Config(new ProbeOptions { Kind = "postgres.active_backends", Busy = 8, Idle = 3, Critical = 40 })));
    }

    [Fact]
    public void Validate_RefusesAnUnknownProbe_NamingFieldValueAndTheAcceptedKinds()
    {
        var problem = Assert.Single(Problems(Config(new ProbeOptions { Kind = "postgres.cpu", Busy = 8, Idle = 3 })));
        Assert.Contains("schedule.json: Load:Sources:prod:Probes:0:Kind: unknown probe 'postgres.cpu'; accepted: sql, canary, http, postgres.active_backends", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesAPresetOfAnotherDialect()
    {
        var problem = Assert.Single(Problems(Config(new ProbeOptions { Kind = "oracle.host_cpu", Busy = 80, Idle = 60 })));
        Assert.Contains("preset 'oracle.host_cpu' is for Oracle sources, but this source is Postgres", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesAnIdleThresholdNotBelowTheBusyThreshold_AndACriticalNotAboveIt()
    {
        var problems = Problems(Config(new ProbeOptions { Kind = "canary", Busy = 100, Idle = 100, Critical = 50 }));
        Assert.Contains(problems, p => p.Contains("Probes:0:Idle: the idle threshold must be below the busy threshold (100), was 100", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Probes:0:Critical: the critical threshold must be above the busy threshold (100), was 50", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RefusesADatasetWhoseSourceHasNoLoadEntry_AndALoadEntryForAnUnknownSource()
    {
        var config = Config();
        config.Schedule.Load.Sources["nowhere"] = config.Schedule.Load.Sources["prod"];
        config.Schedule.Load.Sources.Remove("prod");
        var problems = Problems(config);
        Assert.Contains(problems, p => p.Contains("Load:Sources:nowhere: names source 'nowhere', which is not in appsettings.json (configured: prod)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Datasets:0:Source: source 'prod' has no Load:Sources:prod entry", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RefusesBadWindowsBlackoutsAndSampling()
    {
        var config = Config(new ProbeOptions { Kind = "canary", Busy = 100, Idle = 20 });
        var prod = config.Schedule.Load.Sources["prod"];
        prod.Windows = [new TimeWindowOptions { From = TimeSpan.FromHours(20), To = TimeSpan.FromHours(20) }];
        prod.Blackouts = ["month-end"];
        prod.IdleSamplesToReopen = 0;
        var problems = Problems(config);
        Assert.Contains(problems, p => p.Contains("Windows:0:To: must differ from From", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Blackouts:0: 'month-end' is not a blackout rule", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("IdleSamplesToReopen: must be between 1 and 1000, was 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RefusesACustomQueryWithoutItsPlaceholder()
    {
        var config = Config(new ProbeOptions { Kind = "canary", Busy = 100, Idle = 20 });
        config.Schedule.Datasets[0].Table = null;
        config.Schedule.Datasets[0].Query = "SELECT * FROM ac43";
        Assert.Contains(Problems(config), p => p.Contains("Datasets:0:Query: must contain the placeholder {keyset} exactly once", StringComparison.Ordinal));
    }
}
