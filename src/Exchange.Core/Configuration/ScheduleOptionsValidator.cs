using System.Text.RegularExpressions;

namespace Exchange.Core.Configuration;

/// <summary>Checks <c>schedule.json</c> against the sources it names; every problem names the field, the value, and what is accepted.</summary>
public static partial class ScheduleOptionsValidator
{
    private const string File = "schedule.json";

    /// <summary>All problems found (empty when the schedule is usable).</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="sourceNames">The sources configured in <c>appsettings.json</c>.</param>
    /// <param name="checkCron">Returns null for a valid cron expression, else why it is not (the scheduler's own parser).</param>
    public static IReadOnlyList<ConfigurationProblem> Validate(ScheduleOptions schedule, IReadOnlyCollection<string> sourceNames, Func<string, string?> checkCron)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(sourceNames);
        ArgumentNullException.ThrowIfNull(checkCron);
        var problems = new List<ConfigurationProblem>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < schedule.Datasets.Count; i++)
        {
            var d = schedule.Datasets[i];
            var at = $"Datasets:{i}";
            void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, $"{at}:{field}", message));

            if (!DatasetName().IsMatch(d.Name))
            {
                Add("Name", $"must be 1 to 64 letters, digits or '_', was '{d.Name}'");
            }
            else if (!names.Add(d.Name))
            {
                Add("Name", $"'{d.Name}' is configured twice; dataset names must be unique");
            }

            if (!sourceNames.Contains(d.Source, StringComparer.Ordinal))
            {
                Add("Source", $"must name a source in appsettings.json ({(sourceNames.Count == 0 ? "none configured" : string.Join(", ", sourceNames))}), was '{d.Source}'");
            }

            if (checkCron(d.Cron) is { } cronProblem)
            {
                Add("Cron", $"'{d.Cron}' is not a valid Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. '0/10 * * * * ?'): {cronProblem}");
            }

            var hasTable = !string.IsNullOrWhiteSpace(d.Table);
            var hasQuery = !string.IsNullOrWhiteSpace(d.Query);
            if (hasTable == hasQuery)
            {
                Add("Table", hasTable ? "give either Table or Query, not both" : "give either Table (the daemon writes the query) or Query (a custom keyset query)");
            }

            var xmin = WatermarkModes.IsXmin(d.Watermark);
            if (!WatermarkModes.IsKnown(d.Watermark))
            {
                Add("Watermark", $"must be '{WatermarkModes.Timestamp}' (update timestamp and key) or '{WatermarkModes.Xmin}' (PostgreSQL transaction id and key), was '{d.Watermark}'");
            }
            else if (xmin && hasQuery)
            {
                Add("Watermark", $"'{WatermarkModes.Xmin}' reads the xmin of one table: give Table instead of Query, or use '{WatermarkModes.Timestamp}'");
            }

            if (!CommitHorizonModes.IsKnown(d.CommitHorizon))
            {
                Add("CommitHorizon", $"must be '{CommitHorizonModes.Required}' (stop before the oldest open transaction) or '{CommitHorizonModes.SafetyLagOnly}' (the safety lag alone, a risk), was '{d.CommitHorizon}'");
            }

            if (d.MaxHorizonAge <= TimeSpan.Zero)
            {
                Add("MaxHorizonAge", $"must be positive (default 06:00:00), was {d.MaxHorizonAge}");
            }

            if (!DeleteModes.IsKnown(d.Deletes))
            {
                Add("Deletes", $"must be '{DeleteModes.Off}' (the default: deletions are not looked for) or '{DeleteModes.Reconcile}' (staged keys missing at the source become tombstones), was '{d.Deletes}'");
            }
            else if (DeleteModes.IsReconcile(d.Deletes) && hasQuery)
            {
                Add("Deletes", $"'{DeleteModes.Reconcile}' walks the keys of one table: give Table instead of Query, or use '{DeleteModes.Off}'");
            }

            if (d.ReconcileEvery <= TimeSpan.Zero)
            {
                Add("ReconcileEvery", $"must be positive (default 01:00:00), was {d.ReconcileEvery}");
            }

            if (!xmin && string.IsNullOrWhiteSpace(d.TimestampColumn))
            {
                Add("TimestampColumn", "must name the update-timestamp column of the watermark, was empty");
            }

            if (string.IsNullOrWhiteSpace(d.KeyColumn))
            {
                Add("KeyColumn", "must name the unique key column of the watermark, was empty");
            }

            if (d.ChunkRows < 1 || d.ChunkRows > 1_000_000)
            {
                Add("ChunkRows", $"must be between 1 and 1000000, was {d.ChunkRows}");
            }

            if (d.SafetyLag < TimeSpan.Zero)
            {
                Add("SafetyLag", $"must not be negative, was {d.SafetyLag}");
            }
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex DatasetName();
}
