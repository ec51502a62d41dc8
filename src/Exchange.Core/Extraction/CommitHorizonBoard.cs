using System.Collections.Concurrent;

namespace Exchange.Core.Extraction;

/// <summary>What the last run of a dataset knew about the commit horizon, for the status page, the log and <c>/metrics</c>.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Mode">How the dataset bounds its runs: <c>commit horizon</c>, <c>safety lag only</c> or <c>xmin</c>.</param>
/// <param name="Risk">Why rows of a long transaction could be missed (safety lag alone), or null.</param>
/// <param name="Oldest">The oldest open transaction the run saw; null when none was open or it could not be read.</param>
/// <param name="Age">How old that transaction was, on the source's clock.</param>
/// <param name="Blocking">True when it is older than the dataset's <c>MaxHorizonAge</c>: the dataset waits for it.</param>
/// <param name="Refused">Why the last run was refused (the horizon could not be read), or null.</param>
/// <param name="At">When the run read it (the source's clock; the daemon's when the run was refused).</param>
public sealed record DatasetHorizon(
    string Dataset, string Mode, string? Risk, OpenTransaction? Oldest, TimeSpan Age, bool Blocking, string? Refused, DateTimeOffset At);

/// <summary>The latest <see cref="DatasetHorizon"/> of each dataset extracted by this process.</summary>
/// <remarks>In memory: with several nodes, each shows the datasets it extracts.</remarks>
public sealed class CommitHorizonBoard
{
    /// <summary>How often a blocking transaction that stays the same is logged again.</summary>
    public static readonly TimeSpan RepeatBlockingLog = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, (DatasetHorizon Horizon, DateTimeOffset LoggedAt)> _datasets = new(StringComparer.Ordinal);

    /// <summary>The process-wide board (engines record, the status page and metrics read).</summary>
    public static CommitHorizonBoard Instance { get; } = new();

    /// <summary>Every dataset's latest horizon, by name.</summary>
    public IReadOnlyList<DatasetHorizon> Current => [.. _datasets.Values.Select(v => v.Horizon).OrderBy(h => h.Dataset, StringComparer.Ordinal)];

    /// <summary>Records a run's horizon; true when a blocking transaction should be logged (new, or not logged for a while).</summary>
    public bool Record(DatasetHorizon horizon)
    {
        ArgumentNullException.ThrowIfNull(horizon);
        var log = false;
        _datasets.AddOrUpdate(
            horizon.Dataset,
            _ =>
            {
                log = horizon.Blocking;
                return (horizon, horizon.At);
            },
            (_, previous) =>
            {
                var same = previous.Horizon.Blocking && previous.Horizon.Oldest is { } was && horizon.Oldest is { } now
                    && was.Session == now.Session && was.Started == now.Started;
                log = horizon.Blocking && (!same || horizon.At - previous.LoggedAt >= RepeatBlockingLog);
                return (horizon, log || !horizon.Blocking ? horizon.At : previous.LoggedAt);
            });
        return log;
    }
}
