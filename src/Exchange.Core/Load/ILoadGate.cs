namespace Exchange.Core.Load;

/// <summary>The state of a source's load gate.</summary>
public enum GateState
{
    /// <summary>The source is idle: reading is allowed.</summary>
    Idle = 0,

    /// <summary>The source is busy: wait.</summary>
    Busy = 1,

    /// <summary>The source is overloaded: no query may reach it until the hibernation ends.</summary>
    Hibernating = 2,

    /// <summary>Outside a window, on a blackout date, or paused by an operator.</summary>
    Closed = 3,
}

/// <summary>The gate's answer for one source, with the reason an operator can read.</summary>
public sealed record GateDecision(GateState State, string Reason)
{
    /// <summary>True when a chunk may be read now.</summary>
    public bool IsOpen => State == GateState.Idle;
}

/// <summary>Decides whether a source may be read now. Asked before every chunk.</summary>
public interface ILoadGate
{
    /// <summary>The gate's current decision for the named source.</summary>
    ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken);

    /// <summary>A token cancelled when the source's gate starts hibernating: the chunk in flight is abandoned and read again later.</summary>
    CancellationToken HibernationToken(string source) => CancellationToken.None;
}

/// <summary>
/// A gate that is always open, for tests that isolate extraction or requests from load measurement.
/// The daemon never uses it: a source without probes is read only when its load settings say AllowUnmeasured.
/// </summary>
public sealed class AlwaysOpenLoadGate : ILoadGate
{
    private static readonly GateDecision Open = new(GateState.Idle, "no load probes configured (always-open placeholder gate)");

    /// <inheritdoc />
    public ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken) => ValueTask.FromResult(Open);
}
