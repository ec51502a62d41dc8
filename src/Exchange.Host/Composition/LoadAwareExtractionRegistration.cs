using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Sources;
using Exchange.Host.Configuration;
using Exchange.Host.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Composition;

/// <summary>The load gate, its probes and sampling, and the hot-reloaded schedule.</summary>
internal static class LoadAwareExtractionRegistration
{
    /// <summary>
    /// Registers the real <see cref="ILoadGate"/> and <see cref="IOptionsMonitor{TOptions}"/> of <see cref="ScheduleOptions"/>
    /// fed by <see cref="ScheduleReloader"/> (consumers get reloads through <c>CurrentValue</c> and <c>OnChange</c>).
    /// </summary>
    public static IServiceCollection AddExchangeLoadAwareExtraction(this IServiceCollection services, ConfigLocation location, LoadedConfiguration loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        services.AddSingleton(new ScheduleMonitor(loaded.Schedule, loaded.ScheduleHash));
        services.AddSingleton<IValidateOptions<ScheduleOptions>>(new ScheduleOptionsValidation(loaded.Options));
        services.AddSingleton<IOptionsMonitor<ScheduleOptions>>(sp => sp.GetRequiredService<ScheduleMonitor>());
        services.AddSingleton(location);
        services.AddHostedService<ScheduleReloader>();

        services.AddSingleton<ILoadProbeFactory>(sp => new LoadProbeFactory(sp.GetRequiredService<SourceConnector>(), new HttpClient()));
        // With several nodes, only the node reading a source measures its load.
        var sampling = SchedulerRegistration.IsClustered(loaded.Options) ? LoadSampling.WhileReading : LoadSampling.Continuous;
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<LoadGate>(sp, sampling));
        services.AddSingleton<ILoadGate>(sp => sp.GetRequiredService<LoadGate>());
        services.AddHostedService<LoadSamplingService>();
        services.AddSingleton<IProbeThresholds, ScheduleProbeThresholds>(); // the status page draws the gate's own thresholds
        return services;
    }
}
