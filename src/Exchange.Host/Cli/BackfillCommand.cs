using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NLog.Extensions.Logging;

namespace Exchange.Host.Cli;

/// <summary>
/// <c>exchange backfill DATASET --from T1 --to T2</c>: reads the rows stamped after T1 up to T2 again and stores them as new
/// batches of origin backfill, chunk by chunk while the source's load gate is open (it waits while it is not), without
/// moving the dataset's watermark. Audited as <c>Backfill</c> by <c>operator:&lt;user&gt;</c> twice: <c>started, …</c> (outcome <c>ok</c>)
/// before the first batch (naming the first sequence number), then <c>ok</c> or <c>failed</c> with what was stored.
/// </summary>
internal static class BackfillCommand
{
    /// <summary>How often a closed gate is asked again.</summary>
    private static readonly TimeSpan GateWait = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(
        ConfigLocation location, LoadedConfiguration loaded, StagingDatabase database, string name, string fromText, string toText, CommandConsole console, CancellationToken cancellationToken)
    {
        if (await DatasetCommand.FindAsync(loaded, name, console.Error).ConfigureAwait(false) is not { } dataset)
        {
            return 1;
        }

        BackfillRange range;
        try
        {
            if (WatermarkModes.IsXmin(dataset.Watermark))
            {
                throw new WatermarkResetRefusedException(
                    $"Dataset '{name}' uses the xmin watermark: its rows carry no time that --from and --to could select. " +
                    $"Use 'exchange reset-watermark {name} --to <transaction id>' to read again what later transactions wrote, or 'exchange replay' to deliver staged batches again.");
            }

            var offset = DatasetCommand.SourceOffset(loaded, dataset);
            range = new BackfillRange(WatermarkResets.ParseInstant("--from", fromText, offset), WatermarkResets.ParseInstant("--to", toText, offset));
            if (range.From >= range.To)
            {
                throw new WatermarkResetRefusedException($"--from must be before --to, was --from {range.From:O} --to {range.To:O}.");
            }
        }
        catch (WatermarkResetRefusedException refused)
        {
            await console.Error.WriteLineAsync(refused.Message + " Nothing was changed.").ConfigureAwait(false);
            return 1;
        }

        var lease = await DatasetCommand.TakeLeaseAsync(database, "backfill", name, console.Error, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return 1;
        }

        NLogSetup.Configure(location, loaded.Service.LogDirectory);
        try
        {
            await using (lease.ConfigureAwait(false))
            {
                var services = Services(location, loaded, database);
                await using (services.ConfigureAwait(false))
                {
                    return await BackfillAsync(services, dataset, range, console, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            NLog.LogManager.Shutdown();
        }
    }

    private static async Task<int> BackfillAsync(ServiceProvider services, DatasetOptions dataset, BackfillRange range, CommandConsole console, CancellationToken cancellationToken)
    {
        var engine = services.GetRequiredService<ExtractionEngine>();
        var operations = new OperationsStore(services.GetRequiredService<StagingDatabase>(), TimeProvider.System);
        var firstSeq = (await services.GetRequiredService<IBatchStore>().GetDatasetStateAsync(dataset.Name, cancellationToken).ConfigureAwait(false)).LastSeq + 1;
        var from = range.From;
        var @operator = "operator:" + Environment.UserName;
        string Audited(string detail) => string.Create(CultureInfo.InvariantCulture, $"{dataset.Name} after {from:O} up to {range.To:O}: {detail}");

        // Recorded before the first batch, so a backfill killed halfway still has an audit row naming its batches.
        await operations.AuditAsync(new AuditEntry(TimeProvider.System.GetUtcNow(), @operator, "Backfill", Audited($"started, its batches are stored from seq {firstSeq} on"), "ok", null), cancellationToken)
            .ConfigureAwait(false);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var gate = services.GetRequiredService<LoadGate>();
        var sampler = Task.Run(() => gate.RunAsync(sampling.Token), CancellationToken.None);

        // The gate samples the one source this command reads, for as long as it runs (waits for the gate included).
        var attendance = gate.Attend(dataset.Source);
        var (rows, chunks) = (0L, 0);
        string? failure = null;
        try
        {
            string? waitingFor = null;
            while (true)
            {
                var result = await engine.BackfillAsync(dataset, range, cancellationToken).ConfigureAwait(false);
                (rows, chunks) = (rows + result.Rows, chunks + result.Chunks);
                range = range with { After = result.Watermark };
                if (result.StopReason == ExtractionStopReason.CaughtUp)
                {
                    break;
                }

                if (result.StopReason != ExtractionStopReason.GateClosed)
                {
                    failure = $"{result.StopReason}: {result.Detail}";
                    break;
                }

                if (!string.Equals(waitingFor, result.Detail, StringComparison.Ordinal))
                {
                    waitingFor = result.Detail;
                    await console.Output.WriteLineAsync($"Waiting for the load gate of source '{dataset.Source}' ({result.Detail}); {rows} rows in {chunks} batches so far.").ConfigureAwait(false);
                }

                await Task.Delay(GateWait, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await attendance.DisposeAsync().ConfigureAwait(false);
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var what = Audited($"{chunks} batches{(chunks == 0 ? "" : $" (seq {firstSeq} on)")}, {rows} rows");
        await operations.AuditAsync(new AuditEntry(TimeProvider.System.GetUtcNow(), @operator, "Backfill", what, failure is null ? "ok" : "failed", null), cancellationToken)
            .ConfigureAwait(false);
        if (failure is not null)
        {
            await console.Error.WriteLineAsync($"Backfill of {what} stored, then it stopped: {failure}. Recorded in the audit log.").ConfigureAwait(false);
            return 1;
        }

        await console.Output.WriteLineAsync($"Backfill of {what}, stored as batches of origin backfill after the dataset's others. Recorded in the audit log.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>The engine and the load gate as the daemon has them, on the command's staging database (which it does not own).</summary>
    private static ServiceProvider Services(ConfigLocation location, LoadedConfiguration loaded, StagingDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddNLog());
        services.AddBoundOptions(loaded.Options, loaded.Service, location.Resolve);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(database);
        services.AddSingleton<IBatchStore, BatchStore>();
        services.AddSingleton<ILoadSampleStore, LoadSampleStore>();
        services.AddSingleton<IOptionsMonitor<ScheduleOptions>>(new ScheduleMonitor(loaded.Schedule, loaded.ScheduleHash));
        services.AddSingleton<SourceConnector>();
        services.AddSingleton<ILoadProbeFactory>(sp => new LoadProbeFactory(sp.GetRequiredService<SourceConnector>(), new HttpClient()));
        // Samples only the sources read (the one this command attends), not every source of the configuration.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<LoadGate>(sp, LoadSampling.WhileReading));
        services.AddSingleton<ILoadGate>(sp => sp.GetRequiredService<LoadGate>());
        services.AddSingleton<ChunkStoreRetry>();
        services.AddSingleton<ExtractionEngine>();
        return services.BuildServiceProvider();
    }
}
