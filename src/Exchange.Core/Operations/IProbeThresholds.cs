namespace Exchange.Core.Operations;

/// <summary>The thresholds of one load probe, for drawing on the status page chart.</summary>
public sealed record ProbeThreshold(string Source, string Probe, double? Idle, double? Busy, double? Critical);

/// <summary>Where the status page finds the probes' thresholds: the load gate's, from the schedule (<c>ScheduleProbeThresholds</c>).</summary>
public interface IProbeThresholds
{
    /// <summary>Every known probe threshold.</summary>
    IReadOnlyList<ProbeThreshold> All();
}
