using System.Globalization;
using System.Net.Sockets;
using Exchange.Core.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Exchange.Host.Service;

/// <summary>
/// What Microsoft.Extensions.Hosting.Systemd does not send (its lifetime sends READY=1 on ApplicationStarted and
/// STOPPING=1 on ApplicationStopping): <c>WATCHDOG=1</c> at half of <c>WATCHDOG_USEC</c>, and <c>STATUS=</c> with the gate
/// and backlog once started and every five seconds, so <c>systemctl status</c> shows them.
/// </summary>
internal sealed partial class SystemdWatchdog(
    ISystemdNotifier notifier,
    OperatorSnapshotSource snapshots,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<SystemdWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often to send <c>WATCHDOG=1</c>: half of <c>WATCHDOG_USEC</c>, when it is set and <c>WATCHDOG_PID</c> is absent
    /// or names this process; null otherwise.
    /// </summary>
    public static TimeSpan? WatchdogInterval(string? watchdogUsec, string? watchdogPid, int processId)
    {
        if (!string.IsNullOrEmpty(watchdogPid)
            && (!int.TryParse(watchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid != processId))
        {
            return null;
        }

        if (!long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    /// <summary>A <c>STATUS=</c> message: one line, at most 200 characters (systemctl status shows one line).</summary>
    public static string Status(string text)
    {
        var line = (text ?? "").ReplaceLineEndings(" ");
        return "STATUS=" + (line.Length <= 200 ? line : line[..199] + "…");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        var watchdog = WatchdogInterval(
            Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);
        lifetime.ApplicationStopping.Register(() => Send(Status("stopping: waiting for the chunk in flight")));

        // ApplicationStarted fires after every hosted service started and Kestrel listens (the library's READY=1 too).
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
        Send(Status(snapshot.Summary()));
        LogStarted(logger, watchdog?.TotalSeconds ?? 0);

        var tick = watchdog is { } w && w < StatusEvery ? w : StatusEvery;
        var lastStatus = timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(tick, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = watchdog is null ? "" : "WATCHDOG=1\n";
                if (timeProvider.GetElapsedTime(lastStatus) >= StatusEvery)
                {
                    message += Status(snapshots.Current.Summary());
                    lastStatus = timeProvider.GetTimestamp();
                }

                if (message.Length > 0)
                {
                    Send(message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    // The library's notifier throws when the socket is gone; a lost ping is what the watchdog is for, not a reason to stop.
    private void Send(string message)
    {
        try
        {
            notifier.Notify(new ServiceState(message));
        }
        catch (SocketException)
        {
            // Not delivered: systemd notices a missing ping by itself.
        }
    }

    [LoggerMessage(3001, LogLevel.Information, "systemd notifications: STATUS= every 5 s, watchdog every {WatchdogSeconds:0.###} s (0 = none)")]
    private static partial void LogStarted(ILogger logger, double watchdogSeconds);
}
