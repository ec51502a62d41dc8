using Exchange.Core.Configuration;

namespace Exchange.Core.Tests.Configuration;

public sealed class OperatorOptionsValidatorTests
{
    private static IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options) =>
        OperatorOptionsValidator.Validate(options, cron => cron == "bad" ? "no" : null);

    [Fact]
    public void Defaults_AreValid_WithALoopbackEndpointAnd184DaysOfAudit()
    {
        var options = new ExchangeOptions();
        Assert.Empty(Validate(options));
        Assert.Equal("http://127.0.0.1:8081", options.Operator.Urls);
        Assert.True(options.Retention.Audit >= TimeSpan.FromDays(184));
    }

    [Fact]
    public void EveryMistake_IsNamedWithFieldAndValue()
    {
        var options = new ExchangeOptions();
        options.Operator.Urls = "http://127.0.0.1:8081;localhost:9";
        options.Operator.ShutdownTimeout = TimeSpan.Zero;
        options.Operator.PageRefreshSeconds = 0;
        options.Retention.Audit = TimeSpan.FromDays(90);
        options.Retention.Batches = TimeSpan.FromMinutes(5);
        options.Retention.Cron = "bad";

        var problems = Validate(options).Select(p => p.ToString()).ToList();

        Assert.Equal(6, problems.Count);
        Assert.Contains("appsettings.json: Exchange:Operator:Urls: must be http:// or https:// URLs separated by ';' such as http://127.0.0.1:8081, was 'localhost:9'", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:ShutdownTimeout: must be between 00:00:01 and 00:10:00, was 00:00:00", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:PageRefreshSeconds: must be between 1 and 3600, was 0", problems);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Retention:Audit: must be at least 184 days", StringComparison.Ordinal) && p.EndsWith("was 90.00:00:00", StringComparison.Ordinal));
        Assert.Contains("appsettings.json: Exchange:Retention:Batches: must be at least 01:00:00, was 00:05:00", problems);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Retention:Cron: 'bad' is not a valid Quartz cron expression", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyUrls_TurnTheEndpointOff_AndEmptyCron_TurnsTheScheduledPurgeOff()
    {
        var options = new ExchangeOptions();
        options.Operator.Urls = "";
        options.Retention.Cron = "";
        Assert.Empty(Validate(options));
    }
}
