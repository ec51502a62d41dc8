using Exchange.Core.Operations;
using Exchange.WebService;
using Exchange.WebService.Operator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Operator;

/// <summary>
/// Every <see cref="OperatorOptions.SnapshotInterval"/>: writes this node's heartbeat (how the other nodes and the status
/// page see it alive) and reads the operator figures from the staging store (metrics, systemd STATUS).
/// </summary>
internal sealed partial class SnapshotRefresher(
    OperatorSnapshotSource snapshots,
    IOperationsStore store,
    NodeIdentity node,
    IOptions<ServiceOptions> options,
    TimeProvider timeProvider,
    ILogger<SnapshotRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Operator.SnapshotInterval, timeProvider);
        string? lastError = null;
        try
        {
            do
            {
                await WriteHeartbeatAsync(stoppingToken).ConfigureAwait(false);
                var snapshot = await snapshots.RefreshAsync(stoppingToken).ConfigureAwait(false);
                if (snapshot.Error is not null && snapshot.Error != lastError)
                {
                    LogUnreadable(logger, snapshot.Error);
                }

                lastError = snapshot.Error;
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.WriteHeartbeatAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
        {
            // The refresh that follows reports the store's trouble; /readyz fails on the same write.
            LogHeartbeatFailed(logger, error.GetType().Name, error.Message);
        }
    }

    [LoggerMessage(3202, LogLevel.Debug, "This node's heartbeat could not be written: {ErrorType}: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string errorType, string reason);

    [LoggerMessage(3201, LogLevel.Warning, "Status figures could not be read from the staging store: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
