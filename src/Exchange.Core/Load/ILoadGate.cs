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

    /// <summary>
    /// Says that this node reads the source (an extraction or request run) until the returned value is disposed. A gate
    /// that samples <see cref="LoadSampling.WhileReading"/> samples a source only while someone attends it; disposing the
    /// last attendance waits for the sample in flight, so no probe of this node reaches the source after the run.
    /// </summary>
    IAsyncDisposable Attend(string source) => NoAttendance.Instance;

    private sealed class NoAttendance : IAsyncDisposable
    {
        public static readonly NoAttendance Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>When a <see cref="LoadGate"/> samples its sources.</summary>
public enum LoadSampling
{
    /// <summary>Every source all the time (one node: the gate is always ready, and the status page charts the load).</summary>
    Continuous = 0,

    /// <summary>
    /// A source only while this node reads it (<see cref="ILoadGate.Attend"/>): with several nodes only the node running a
    /// source's extraction measures it. A run first waits for the samples the gate needs to decide.
    /// </summary>
    WhileReading = 1,
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
