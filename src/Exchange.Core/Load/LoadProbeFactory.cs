using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Builds the probes a source's load options describe.</summary>
public interface ILoadProbeFactory
{
    /// <summary>The probe for one entry of <see cref="SourceLoadOptions.Probes"/>.</summary>
    /// <exception cref="ArgumentException">The kind is unknown or the probe lacks what its kind needs.</exception>
    ILoadProbe Create(string source, ProbeOptions probe);
}

/// <summary>Builds SQL, canary and HTTP probes against the configured sources.</summary>
public sealed class LoadProbeFactory(SourceConnector sources, HttpClient http) : ILoadProbeFactory
{
    /// <inheritdoc />
    /// <remarks>
    /// SQL probes measure the primary, which is what must not be disturbed; with <see cref="ProbeTarget.PrimaryAndStandby"/>
    /// and a standby configured, they measure both and the higher reading counts.
    /// </remarks>
    public ILoadProbe Create(string source, ProbeOptions probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var name = probe.DisplayName;
        if (ProbePresets.All.TryGetValue(probe.Kind, out var preset))
        {
            return OnServers(source, role => new SqlScalarProbe(name, sources, source, preset.Sql, role));
        }

        return probe.Kind switch
        {
            "sql" => OnServers(source, role => new SqlScalarProbe(name, sources, source, probe.Sql ?? throw new ArgumentException($"probe '{name}' of kind 'sql' needs Sql"), role)),
            "canary" => OnServers(source, role => new CanaryLatencyProbe(name, sources, source, probe.Sql ?? ProbePresets.CanarySql(sources.Describe(source).Dialect), role)),
            "http" => new HttpNumberProbe(name, http, Uri.TryCreate(probe.Url, UriKind.Absolute, out var url) ? url : throw new ArgumentException($"probe '{name}' of kind 'http' needs an absolute Url, was '{probe.Url}'"), probe.JsonProperty),
            _ => throw new ArgumentException($"probe '{name}' has unknown Kind '{probe.Kind}'; accepted: {ProbePresets.Accepted}"),
        };
    }

    private ILoadProbe OnServers(string source, Func<SourceRole, ILoadProbe> create)
    {
        var primary = create(SourceRole.Primary);
        var info = sources.Describe(source);
        return info is { HasStandby: true, ProbeOn: ProbeTarget.PrimaryAndStandby }
            ? new PrimaryAndStandbyProbe(primary, create(SourceRole.Read))
            : primary;
    }
}
