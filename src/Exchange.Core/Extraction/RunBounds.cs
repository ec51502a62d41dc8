using System.Data.Common;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>One limit on how far a timestamp run may read: rows stamped after <paramref name="At"/> wait for a later run.</summary>
/// <param name="Name">What sets the limit, for logs and the status page (<c>safety lag</c>, <c>commit horizon</c>, …).</param>
/// <param name="At">The last instant a row may be stamped with and still be read, on the source's clock.</param>
public sealed record RunBound(string Name, DateTimeOffset At);

/// <summary>The limits of a timestamp run; the run's upper bound is the earliest of them.</summary>
/// <remarks>Each limit is computed on its own (from the source's clock, its open transactions, a standby's replay, …) and composed here.</remarks>
public static class RunBounds
{
    /// <summary>Name of the safety-lag bound.</summary>
    public const string SafetyLagName = "safety lag";

    /// <summary>Name of the commit-horizon bound.</summary>
    public const string CommitHorizonName = "commit horizon";

    /// <summary>Name of the bound a backfill's <c>--to</c> sets.</summary>
    public const string BackfillName = "backfill --to";

    /// <summary>Name of the bound a standby's replay sets.</summary>
    public const string StandbyReplayedName = "standby replayed";

    /// <summary>Rows stamped up to the source's now minus the safety lag.</summary>
    public static RunBound SafetyLag(DateTimeOffset sourceNow, TimeSpan lag) => new(SafetyLagName, sourceNow - lag);

    /// <summary>
    /// Rows stamped before the oldest open transaction started: its rows may carry its start time and are not visible yet.
    /// </summary>
    /// <remarks>
    /// The keyset query keeps rows at or before the bound, so the bound lies just before the start; and it lies before the
    /// start's whole second, because a column of second precision (Oracle <c>DATE</c>) holds that transaction's rows at the
    /// second itself. Committed rows of that second wait for the next run: a delay, never a loss.
    /// </remarks>
    public static RunBound CommitHorizon(DateTimeOffset oldestOpenStart)
    {
        var second = new DateTimeOffset(oldestOpenStart.Ticks - (oldestOpenStart.Ticks % TimeSpan.TicksPerSecond), oldestOpenStart.Offset);
        return new(CommitHorizonName, second - TimeSpan.FromMicroseconds(1));
    }

    /// <summary>Rows stamped up to what the standby has replayed, minus the safety lag: the standby has not seen later commits.</summary>
    public static RunBound StandbyReplayed(DateTimeOffset replayedThrough, TimeSpan lag) => new(StandbyReplayedName, replayedThrough - lag);

    /// <summary>
    /// For a source read on a standby, the bound its replay sets and, when the standby lags more than
    /// <see cref="SourceInfo.MaxReplicaLag"/> or cannot say how far it has replayed, why the dataset is held this run.
    /// </summary>
    /// <param name="connection">The run's connection, to the standby.</param>
    /// <param name="source">The source.</param>
    /// <param name="lag">The dataset's safety lag.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<(RunBound? Bound, string? Held)> ReadStandbyAsync(DbConnection connection, SourceInfo source, TimeSpan lag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.HasStandby)
        {
            return (null, null);
        }

        ReplayState replay;
        try
        {
            replay = await StandbyReplay.ReadAsync(connection, source.Dialect, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException unknown)
        {
            return (null, $"the standby of source '{source.Name}' ({source.StandbyDescription}) cannot say how far it has replayed: {unknown.Message}");
        }

        return (StandbyReplayed(replay.ReplayedThrough, lag), ReplicaLagHold(source, replay));
    }

    /// <summary>Why a dataset is held for the standby's lag, or null when the lag is within <see cref="SourceInfo.MaxReplicaLag"/>.</summary>
    public static string? ReplicaLagHold(SourceInfo source, ReplayState replay)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(replay);
        return replay.Lag > source.MaxReplicaLag
            ? $"the standby of source '{source.Name}' ({source.StandbyDescription}) is {replay.Lag:c} behind the primary (replayed through {replay.ReplayedThrough:O}), " +
              $"more than MaxReplicaLag {source.MaxReplicaLag:c}; the dataset waits until it catches up"
            : null;
    }

    /// <summary>The earliest of the bounds (the first one listed on a tie).</summary>
    public static RunBound Earliest(IEnumerable<RunBound> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        RunBound? earliest = null;
        foreach (var bound in bounds)
        {
            if (earliest is null || bound.At < earliest.At)
            {
                earliest = bound;
            }
        }

        return earliest ?? throw new ArgumentException("A run needs at least one bound.", nameof(bounds));
    }
}
