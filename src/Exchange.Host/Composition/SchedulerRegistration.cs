using Exchange.Core.Configuration;
using Exchange.Host.Jobs;
using Exchange.WebService;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Exchange.Host.Composition;

/// <summary>
/// The Quartz scheduler. With SQLite staging it keeps its jobs in memory (one node). With PostgreSQL staging it keeps
/// them in the staging database and runs clustered: every node puts the same jobs there, each trigger fires on one node,
/// a dataset's extraction runs on one node at a time, and the jobs of a node that stops checking in move to a live node.
/// </summary>
internal static class SchedulerRegistration
{
    /// <summary>The scheduler's name in <c>qrtz_*</c>: the nodes of one staging database form one cluster.</summary>
    public const string ClusterName = "Exchange";

    /// <summary>How often a node checks in; a node silent for <see cref="CheckinMisfireThreshold"/> more is taken for dead.</summary>
    /// <remarks>With 2 s and 5 s another node recovers a killed node's work 5 to 9 s after the kill (tests/cluster/failover.sh).</remarks>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(2);

    /// <summary>How late a check-in may be before the other nodes recover the node's jobs.</summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle node looks for due triggers in the shared store.</summary>
    /// <remarks>
    /// Quartz's default (30 s, less a random part) left the other nodes asleep while the node that had taken a dataset's
    /// trigger was killed: its work waited up to half a minute for them, though it had been recovered long before.
    /// </remarks>
    public static readonly TimeSpan IdleWaitTime = TimeSpan.FromSeconds(1);

    public static IServiceCollection AddExchangeScheduler(this IServiceCollection services, ExchangeOptions options, ServiceOptions service)
    {
        var clustered = IsClustered(options);
        services.AddQuartz(quartz =>
        {
            if (!clustered)
            {
                return;
            }

            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = ClusterName;
                scheduler.InstanceId = service.NodeName;
                scheduler.IdleWaitTime = IdleWaitTime;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(options.Staging.ConnectionString);
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = CheckinInterval;
                    cluster.CheckinMisfireThreshold = CheckinMisfireThreshold;
                });
            });
        });
        if (clustered)
        {
            // Quartz's hosted service, but a restarted node first lets the live nodes take over the work it left.
            services.AddHostedService<ClusteredSchedulerStart>();
            return services;
        }

        services.AddQuartzHostedService(quartz =>
        {
            quartz.WaitForJobsToComplete = true;
            quartz.AwaitApplicationStarted = true;
        });
        return services;
    }

    /// <summary>Whether several nodes may share the store, and so the scheduler and the limits (PostgreSQL staging).</summary>
    public static bool IsClustered(ExchangeOptions options) => options.Staging.Provider == "postgres";
}
