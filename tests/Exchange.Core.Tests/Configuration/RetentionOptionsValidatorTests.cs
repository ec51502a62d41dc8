using Exchange.Core.Configuration;

namespace Exchange.Core.Tests.Configuration;

public sealed class RetentionOptionsValidatorTests
{
    private static IReadOnlyList<ConfigurationProblem> Validate(RetentionOptions options) =>
        RetentionOptionsValidator.Validate(options, cron => cron == "bad" ? "no" : null);

    [Fact]
    public void Defaults_AreValid_With184DaysOfAudit()
    {
        var options = new RetentionOptions();
        Assert.Empty(Validate(options));
        Assert.True(options.Audit >= TimeSpan.FromDays(184));
    }

    [Fact]
    public void EveryMistake_IsNamedWithFieldAndValue()
    {
        var options = new RetentionOptions { Audit = TimeSpan.FromDays(90), Batches = TimeSpan.FromMinutes(5), Cron = "bad" };

        var problems = Validate(options).Select(p => p.ToString()).ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Retention:Audit: must be at least 184 days", StringComparison.Ordinal) && p.EndsWith("was 90.00:00:00", StringComparison.Ordinal));
        Assert.Contains("appsettings.json: Exchange:Retention:Batches: must be at least 01:00:00, was 00:05:00", problems);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Retention:Cron: 'bad' is not a valid Quartz cron expression", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyCron_TurnsTheScheduledPurgeOff() => Assert.Empty(Validate(new RetentionOptions { Cron = "" }));
}
