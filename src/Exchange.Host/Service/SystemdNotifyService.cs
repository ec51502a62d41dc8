using Exchange.Core.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Exchange.Host.Service;

/// <summary>
/// Tells systemd how the daemon is doing: <c>READY=1</c> once the host has started (the staging store was migrated
/// before, the web endpoints listen), <c>STATUS=</c> with the gate and backlog at every snapshot, <c>WATCHDOG=1</c> at
/// half of <c>WATCHDOG_USEC</c>, and <c>STOPPING=1</c> as soon as a stop begins.
/// </summary>
internal sealed partial class SystemdNotifyService(
    SystemdNotifier notifier,
    OperatorSnapshotSource snapshots,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<SystemdNotifyService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        var watchdog = SystemdNotifier.WatchdogInterval(
            Environment.GetEnvironmentVariable(SystemdNotifier.WatchdogVariable),
            Environment.GetEnvironmentVariable(SystemdNotifier.WatchdogPidVariable),
            Environment.ProcessId);
        lifetime.ApplicationStopping.Register(() => notifier.Send("STOPPING=1\n" + SystemdNotifier.Status("stopping: waiting for the chunk in flight")));

        // ApplicationStarted fires after every hosted service started and Kestrel listens.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var snapshot = await snapshots.RefreshAsync(stoppingToken).ConfigureAwait(false);
        notifier.Send($"READY=1\nMAINPID={Environment.ProcessId}\n" + SystemdNotifier.Status(snapshot.Summary()));
        LogReady(logger, watchdog?.TotalSeconds ?? 0);

        var statusEvery = TimeSpan.FromSeconds(5);
        var tick = watchdog is { } w && w < statusEvery ? w : statusEvery;
        var lastStatus = timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(tick, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = watchdog is null ? "" : "WATCHDOG=1\n";
                if (timeProvider.GetElapsedTime(lastStatus) >= statusEvery)
                {
                    message += SystemdNotifier.Status(snapshots.Current.Summary());
                    lastStatus = timeProvider.GetTimestamp();
                }

                if (message.Length > 0)
                {
                    notifier.Send(message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(3001, LogLevel.Information, "Told systemd READY=1 (watchdog every {WatchdogSeconds:0.###} s, 0 = none)")]
    private static partial void LogReady(ILogger logger, double watchdogSeconds);
}
