namespace Exchange.Core.Load;

/// <summary>One probe reading and the gate state it led to, as stored in <c>load_samples</c>.</summary>
/// <param name="At">When it happened.</param>
/// <param name="Source">The source.</param>
/// <param name="Probe">The probe whose reading decided it, or <c>gate</c> for calendar, pause file and configuration.</param>
/// <param name="Value">The probe's value, when one decided it.</param>
/// <param name="State">The new state.</param>
/// <param name="Reason">Why, as logged.</param>
public sealed record LoadSample(DateTimeOffset At, string Source, string Probe, double? Value, GateState State, string Reason);

/// <summary>The gate's history in the staging store.</summary>
public interface ILoadSampleStore
{
    /// <summary>Stores one transition.</summary>
    Task AddLoadSampleAsync(LoadSample sample, CancellationToken cancellationToken);
}
