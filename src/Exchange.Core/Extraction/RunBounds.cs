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
