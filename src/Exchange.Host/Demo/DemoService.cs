using Exchange.Core.Configuration;
using Exchange.Core.Demo;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Demo;

/// <summary>Creates the demo source at start and keeps adding rows to it, as a live production system would.</summary>
internal sealed partial class DemoService(
    DemoSource source,
    DemoInserter inserter,
    IOptions<ExchangeOptions> options,
    TimeProvider timeProvider,
    ILogger<DemoService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Awaited before the next hosted service (Quartz) starts: the first extraction finds the tables.
        await source.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Demo.InsertInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var round = await inserter.InsertRoundAsync(stoppingToken).ConfigureAwait(false);
                    LogRound(logger, round.PersonsInserted, round.ContributionsInserted, round.SettlementsInserted, round.PersonsUpdated);
                }
                catch (Microsoft.Data.Sqlite.SqliteException error)
                {
                    LogRoundFailed(logger, error.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(3001, LogLevel.Debug, "Demo source: {Persons} persons, {Contributions} contributions, {Settlements} settlements inserted, {Updated} persons updated")]
    private static partial void LogRound(ILogger logger, int persons, int contributions, int settlements, int updated);

    [LoggerMessage(3002, LogLevel.Warning, "Demo source: a round of inserts failed and is skipped: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
