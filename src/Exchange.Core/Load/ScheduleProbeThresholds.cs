using Exchange.Core.Configuration;
using Exchange.Core.Operations;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Load;

/// <summary>The thresholds of the probes in <c>schedule.json</c> (current after a reload), for the status page chart.</summary>
public sealed class ScheduleProbeThresholds(IOptionsMonitor<ScheduleOptions> schedule) : IProbeThresholds
{
    /// <inheritdoc />
    public IReadOnlyList<ProbeThreshold> All() =>
        [.. schedule.CurrentValue.Load.Sources.SelectMany(s => s.Value.Probes.Select(p => new ProbeThreshold(s.Key, p.DisplayName, p.Idle, p.Busy, p.Critical)))];
}
