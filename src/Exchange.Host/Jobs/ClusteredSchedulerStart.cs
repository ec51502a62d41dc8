using System.Data.Common;
using Exchange.Core.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>
/// Starts and stops the clustered Quartz scheduler (PostgreSQL staging), in place of Quartz's own hosted service. A node
/// that restarts after dying while other nodes are alive first lets them take over the work it left, and only then starts
/// its scheduler.
/// </summary>
/// <remarks>
/// <para>
/// Quartz recovers a dead node's jobs in two ways: the live nodes do it once its check-in is
/// <see cref="Composition.SchedulerRegistration.CheckinInterval"/> + <see cref="Composition.SchedulerRegistration.CheckinMisfireThreshold"/>
/// late, and the node itself does it at its own first check-in after a restart. A node restarted by its service manager
/// within those seconds took its work back before the live nodes could: measured in <c>tests/cluster/failover.sh</c>, a
/// killed node was back in 5 s, ran the extraction again, and kept it, while the live nodes waited.
/// </para>
/// <para>
/// So the restarted node waits while its previous instance still holds triggers in the job store (acquired or executing)
/// and another node checks in: the live nodes then recover that work, at most a check-in interval after they take the
/// instance for dead. A node alone in the cluster, or that left no work (a clean stop), starts at once. The wait ends in any case
/// <see cref="WaitMargin"/> after the live nodes should have taken over.
/// </para>
/// </remarks>
internal sealed partial class ClusteredSchedulerStart(
    ISchedulerFactory schedulerFactory,
    IOperationsStore store,
    NodeIdentity node,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<ClusteredSchedulerStart> logger) : BackgroundService
{
    /// <summary>How often the restarted node looks whether its previous instance has been taken over.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long past the live nodes' deadline (check-in limit plus one of their check-in intervals) the node waits at most.</summary>
    internal static readonly TimeSpan WaitMargin = TimeSpan.FromSeconds(3);

    private IScheduler? _scheduler;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        var scheduler = _scheduler ?? await schedulerFactory.GetScheduler(cancellationToken).ConfigureAwait(false);

        // Like Quartz's hosted service with WaitForJobsToComplete: a stop waits for the chunk in flight.
        await scheduler.Shutdown(waitForJobsToComplete: true, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Like Quartz's hosted service with AwaitApplicationStarted: jobs run once every hosted service has started.
        if (!await WaitForApplicationStartedAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var scheduler = await schedulerFactory.GetScheduler(stoppingToken).ConfigureAwait(false);
        await YieldToLiveNodesAsync(stoppingToken).ConfigureAwait(false);
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        await scheduler.Start(stoppingToken).ConfigureAwait(false);
        _scheduler = scheduler;
    }

    private async Task<bool> WaitForApplicationStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits while this node's previous instance holds triggers and another node checks in (see the remarks).</summary>
    private async Task YieldToLiveNodesAsync(CancellationToken stoppingToken)
    {
        var limit = node.ClusterCheckInLimit ?? TimeSpan.Zero;
        DateTimeOffset? deadline = null;
        var logged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<NodeHeartbeat> nodes;
            int left;
            try
            {
                nodes = await store.GetNodesAsync(stoppingToken).ConfigureAwait(false);
                left = await store.CountFiredTriggersAsync(node.Name, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is DbException or InvalidOperationException or IOException or TimeoutException)
            {
                // Not knowing is no reason to stay out of the cluster: Quartz's own recovery still holds.
                LogYieldUnknown(logger, error.GetType().Name, error.Message);
                return;
            }

            var now = timeProvider.GetUtcNow();
            var previous = nodes.FirstOrDefault(n => n.Node == node.Name)?.SchedulerCheckIn;
            var live = nodes.Where(n => n.Node != node.Name && n.SchedulerCheckIn is { } at && now - at <= limit).Select(n => n.Node).ToList();
            if (previous is null || left == 0 || live.Count == 0)
            {
                if (logged)
                {
                    LogYieldEnded(logger, live.Count == 0 ? "no other node checks in any more" : "the other nodes took over the work it left");
                }

                return;
            }

            // The live nodes take it for dead at its last check-in plus the limit, and act at their next check-in.
            deadline ??= previous.Value + limit + Composition.SchedulerRegistration.CheckinInterval + WaitMargin;
            if (now >= deadline)
            {
                LogYieldEnded(logger, $"the other nodes did not take over its previous work by {deadline:HH:mm:ss}; it recovers that work itself");
                return;
            }

            if (!logged)
            {
                LogYielding(logger, node.Name, left, string.Join(", ", live), (deadline.Value - now).TotalSeconds);
                logged = true;
            }

            await Task.Delay(PollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(2104, LogLevel.Information,
        "Node {Node} restarted with {Left} triggers left by its previous run while {Live} check in: its scheduler starts once they have taken that work over (at most {Seconds:0.0} s)")]
    private static partial void LogYielding(ILogger logger, string node, int left, string live, double seconds);

    [LoggerMessage(2105, LogLevel.Information, "Scheduler starting: {Reason}")]
    private static partial void LogYieldEnded(ILogger logger, string reason);

    [LoggerMessage(2106, LogLevel.Warning, "Scheduler starting without knowing whether other nodes take over this node's previous work: {Error}: {Message}")]
    private static partial void LogYieldUnknown(ILogger logger, string error, string message);
}
