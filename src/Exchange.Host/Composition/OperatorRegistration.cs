using Exchange.Core.Diagnostics;
using Exchange.Core.Operations;
using Exchange.Host.Jobs;
using Exchange.Host.Operator;
using Exchange.WebService;
using Exchange.WebService.Operator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Exchange.Host.Composition;

/// <summary>Wiring for operators: the operator endpoint, metrics, status figures and the scheduled purge.</summary>
internal static class OperatorRegistration
{
    public static IServiceCollection AddExchangeOperator(this IServiceCollection services, ServiceOptions options, bool clustered)
    {
        // A stop waits for the chunk in flight (Quartz WaitForJobsToComplete) and for web requests, but not longer than this.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Operator.ShutdownTimeout);

        services.AddSingleton(sp => new NodeIdentity(
            options.NodeName,
            options.Web.Urls,
            clustered ? SchedulerRegistration.CheckinInterval + SchedulerRegistration.CheckinMisfireThreshold : null,
            sp.GetRequiredService<TimeProvider>().GetUtcNow()));
        services.AddSingleton<OperatorSnapshotSource>();
        services.AddSingleton<ReadinessCheck>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton(sp =>
        {
            var metrics = ExchangeMetrics.Instance;
            metrics.TimeProvider = sp.GetRequiredService<TimeProvider>();
            var snapshots = sp.GetRequiredService<OperatorSnapshotSource>();
            metrics.ObserveSnapshots(() => snapshots.Current);
            return metrics;
        });
        services.AddSingleton(sp =>
        {
            _ = sp.GetRequiredService<ExchangeMetrics>();
            return PrometheusMetrics.Instance;
        });
        services.AddHostedService<SnapshotRefresher>();
        services.AddHostedService<OperatorEndpointService>();
        services.AddHostedService<RetentionScheduler>();
        return services;
    }
}
