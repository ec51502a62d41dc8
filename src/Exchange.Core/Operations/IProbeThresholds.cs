using Exchange.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Operations;

/// <summary>The thresholds of one load probe, for drawing on the status page chart.</summary>
public sealed record ProbeThreshold(string Source, string Probe, double? Idle, double? Busy, double? Critical);

/// <summary>Where the status page finds the probes' thresholds. The load gate registers its own; until then the configured ones are drawn.</summary>
public interface IProbeThresholds
{
    /// <summary>Every known probe threshold.</summary>
    IReadOnlyList<ProbeThreshold> All();
}

/// <summary>Thresholds from <c>Exchange:Operator:ChartThresholds</c> (used when the load gate registers none).</summary>
public sealed class ConfiguredProbeThresholds(IOptions<ExchangeOptions> options) : IProbeThresholds
{
    /// <inheritdoc />
    public IReadOnlyList<ProbeThreshold> All() =>
        [.. options.Value.Operator.ChartThresholds.Select(t => new ProbeThreshold(t.Source, t.Probe, t.Idle, t.Busy, t.Critical))];
}
