using Exchange.Core.Configuration;
using Exchange.Core.Deletes;
using Exchange.Core.Extraction;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>
/// Runs one dataset's extraction and, once it has caught up, its delete reconciliation when due, holding the dataset's
/// lease (an operator's backfill or watermark reset holds it too). Thin: the work is in <see cref="ExtractionEngine"/> and
/// <see cref="DeleteReconciler"/>; running both in the one job keeps them from overlapping.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class ExtractionJob(
    ExtractionEngine engine, DeleteReconciler reconciler, DatasetLeases leases, IOptionsMonitor<ScheduleOptions> schedule, ILogger<ExtractionJob> logger) : IJob
{
    public const string DatasetKey = "dataset";

    public const string Group = "extraction";

    public static JobKey KeyFor(string dataset) => new(dataset, Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = context.MergedJobDataMap.GetString(DatasetKey) ?? context.JobDetail.Key.Name;
        var dataset = schedule.CurrentValue.Datasets.FirstOrDefault(d => d.Name == name);
        if (dataset is null)
        {
            LogDatasetGone(logger, name);
            return;
        }

        try
        {
            var lease = await leases.TryTakeAsync(name, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                LogLeaseHeld(logger, name);
                return;
            }

            await using var held = lease.ConfigureAwait(false);
            var result = await engine.RunAsync(dataset, cancellationToken).ConfigureAwait(false);
            // One line per run that moved data or hit a conflict; quiet runs and closed gates stay out of the log (the gate logs its own transitions).
            if (result.Rows > 0 || result.StopReason == ExtractionStopReason.WatermarkConflict)
            {
                LogRun(logger, name, result.Rows, result.Chunks, result.StopReason, result.Detail);
            }

            if (result.StopReason == ExtractionStopReason.CaughtUp
                && await reconciler.RunIfDueAsync(dataset, cancellationToken).ConfigureAwait(false) is { Deleted: > 0 } reconciled)
            {
                LogReconciled(logger, name, reconciled.Deleted, reconciled.KeysWalked);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger, name);
        }
#pragma warning disable CA1031 // A failed run is logged and retried at a later trigger (after a rest when its store failed); the scheduler must keep running.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogFailed(logger, error, name, error.Message);
        }
    }

    [LoggerMessage(2001, LogLevel.Information, "Extraction {Dataset}: {Rows} rows in {Chunks} chunks, {StopReason}: {Detail}")]
    private static partial void LogRun(ILogger logger, string dataset, long rows, int chunks, ExtractionStopReason stopReason, string detail);

    [LoggerMessage(2005, LogLevel.Information, "Extraction {Dataset}: {Deleted} tombstones staged for keys deleted at the source ({Keys} source keys walked)")]
    private static partial void LogReconciled(ILogger logger, string dataset, long deleted, long keys);

    [LoggerMessage(2002, LogLevel.Information, "Extraction {Dataset} cancelled by shutdown; committed chunks are kept, the rest is read at the next start.")]
    private static partial void LogCancelled(ILogger logger, string dataset);

    [LoggerMessage(2003, LogLevel.Error, "Extraction {Dataset} failed, retried at a later trigger: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception error, string dataset, string reason);

    [LoggerMessage(2007, LogLevel.Information, "Extraction {Dataset} skipped: the dataset is held by another process or node (an extraction run elsewhere, or an operator's backfill or reset-watermark); the next trigger tries again.")]
    private static partial void LogLeaseHeld(ILogger logger, string dataset);

    [LoggerMessage(2004, LogLevel.Warning, "Extraction job for dataset {Dataset} fired, but the dataset is no longer in schedule.json.")]
    private static partial void LogDatasetGone(ILogger logger, string dataset);
}
