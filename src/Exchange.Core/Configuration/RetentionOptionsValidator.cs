namespace Exchange.Core.Configuration;

/// <summary>Checks <c>Exchange:Retention</c>; every problem names the field, the value, and what is accepted.</summary>
public static class RetentionOptionsValidator
{
    private const string File = "appsettings.json";

    /// <summary>All problems found (empty when the retention settings are usable).</summary>
    /// <param name="retention">The bound retention settings.</param>
    /// <param name="cronProblem">Checks a Quartz cron expression, returning the problem or null (Core knows no Quartz).</param>
    public static IReadOnlyList<ConfigurationProblem> Validate(RetentionOptions retention, Func<string, string?> cronProblem)
    {
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentNullException.ThrowIfNull(cronProblem);
        var problems = new List<ConfigurationProblem>();
        void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, "Exchange:" + field, message));

        if (retention.Batches < TimeSpan.FromHours(1))
        {
            Add("Retention:Batches", $"must be at least 01:00:00, was {retention.Batches}");
        }

        if (retention.Requests < TimeSpan.FromHours(1))
        {
            Add("Retention:Requests", $"must be at least 01:00:00, was {retention.Requests}");
        }

        if (retention.Audit < RetentionOptions.MinimumAuditRetention)
        {
            Add("Retention:Audit", $"must be at least {RetentionOptions.MinimumAuditRetention.TotalDays:0} days (184.00:00:00; 等保 2.0 keeps six months of audit records), was {retention.Audit}");
        }

        if (retention.LoadSamples < TimeSpan.FromHours(1))
        {
            Add("Retention:LoadSamples", $"must be at least 01:00:00, was {retention.LoadSamples}");
        }

        if (!string.IsNullOrWhiteSpace(retention.Cron) && cronProblem(retention.Cron) is { } problem)
        {
            Add("Retention:Cron", $"'{retention.Cron}' is not a valid Quartz cron expression (seconds first, e.g. 0 17 3 * * ?): {problem}");
        }

        return problems;
    }
}
