using Exchange.Core.Operations;
using Exchange.WebService;
using Exchange.WebService.Operator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Operator;

/// <summary>Reads the operator figures from the staging store every <see cref="OperatorOptions.SnapshotInterval"/> (metrics, systemd STATUS).</summary>
internal sealed partial class SnapshotRefresher(
    OperatorSnapshotSource snapshots,
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

    [LoggerMessage(3201, LogLevel.Warning, "Status figures could not be read from the staging store: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
