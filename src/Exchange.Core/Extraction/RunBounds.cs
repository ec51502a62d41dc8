using System.Data.Common;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>One limit on how recent the data a run reads may be: an instant on the source's clock, and who sets it.</summary>
/// <param name="Name">What sets it, for logs (<c>now</c>, <c>standby replayed</c>).</param>
/// <param name="Instant">Rows stamped after this instant minus the safety lag wait for a later run.</param>
public readonly record struct RunBound(string Name, DateTimeOffset Instant);

/// <summary>What limits a run: the earliest of its bounds, or a reason to hold the dataset.</summary>
/// <param name="Upper">The earliest bound.</param>
/// <param name="Held">Why the dataset is held (not read at all), or null.</param>
public sealed record RunLimit(RunBound Upper, string? Held)
{
    /// <summary>The earliest of <paramref name="bounds"/>; the first of equal ones.</summary>
    public static RunLimit Earliest(IReadOnlyList<RunBound> bounds, string? held = null)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        var earliest = bounds[0];
        foreach (var bound in bounds)
        {
            if (bound.Instant < earliest.Instant)
            {
                earliest = bound;
            }
        }

        return new RunLimit(earliest, held);
    }
}

/// <summary>
/// Gathers the bounds of a run before its first chunk: the run's start instant and, for a source read on a standby, what
/// the standby has replayed. The run reads up to the earliest, minus the safety lag.
/// </summary>
/// <remarks>A bound is added here as one more entry (the commit horizon, for one): the run takes the minimum.</remarks>
internal static class RunBounds
{
    /// <summary>The bounds of a run that starts at <paramref name="now"/>, read on the run's (standby) connection.</summary>
    public static async Task<RunLimit> ReadAsync(DbConnection connection, SourceInfo source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var bounds = new List<RunBound>(2) { new("now", now) };
        if (!source.HasStandby)
        {
            return RunLimit.Earliest(bounds);
        }

        ReplayState replay;
        try
        {
            replay = await StandbyReplay.ReadAsync(connection, source.Dialect, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException unknown)
        {
            return RunLimit.Earliest(bounds, $"the standby of source '{source.Name}' ({source.StandbyDescription}) cannot say how far it has replayed: {unknown.Message}");
        }

        bounds.Add(new RunBound("standby replayed", replay.ReplayedThrough));
        return RunLimit.Earliest(bounds, ReplicaLagHold(source, replay));
    }

    /// <summary>Why a dataset is held for the standby's lag, or null when the lag is within <see cref="SourceInfo.MaxReplicaLag"/>.</summary>
    public static string? ReplicaLagHold(SourceInfo source, ReplayState replay) =>
        replay.Lag > source.MaxReplicaLag
            ? $"the standby of source '{source.Name}' ({source.StandbyDescription}) is {replay.Lag:c} behind the primary (replayed through {replay.ReplayedThrough:O}), " +
              $"more than MaxReplicaLag {source.MaxReplicaLag:c}; the dataset waits until it catches up"
            : null;
}
