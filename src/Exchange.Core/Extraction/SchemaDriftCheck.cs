using System.Data.Common;
using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Diagnostics;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Extraction;

/// <summary>
/// Before a run reads rows: compares the source's columns with those the dataset was last extracted with. A change is
/// logged, counted and noted (the status page shows the note) once, and the new columns recorded; a missing or retyped
/// watermark or key column stops the dataset, noted and logged once, until the columns are right again or an operator
/// resets the watermark (which clears what was recorded).
/// </summary>
internal sealed partial class SchemaDriftCheck(IBatchStore store, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Why the dataset must not be read this run, or null to go on.</summary>
    public async Task<string?> CheckAsync(DbConnection connection, SourceInfo source, DatasetOptions dataset, DatasetState state, CancellationToken cancellationToken)
    {
        var current = await SourceColumns.ReadAsync(connection, source.Dialect, dataset, cancellationToken).ConfigureAwait(false);
        var previous = SourceColumns.Parse(state.SourceColumns);
        var drift = SchemaDrift.Compare(previous, current, dataset);
        var metrics = ExchangeMetrics.Instance;
        if (drift.Stop is { } stop)
        {
            var note = SchemaDrift.StoppedPrefix + stop;
            if (!string.Equals(note, state.SchemaNote, StringComparison.Ordinal))
            {
                LogStopped(logger, dataset.Name, stop);
                metrics.SchemaDrift(dataset.Name, SchemaDrift.WatermarkColumn, 1);
                await store.RecordSchemaAsync(dataset.Name, null, note, cancellationToken).ConfigureAwait(false);
            }

            return stop;
        }

        var stoppedBefore = state.SchemaNote?.StartsWith(SchemaDrift.StoppedPrefix, StringComparison.Ordinal) == true;
        if (previous is null || (drift.IsEmpty && stoppedBefore))
        {
            // The first run records what it reads; a dataset stopped before goes on once its columns are right again.
            if (stoppedBefore)
            {
                LogResumed(logger, dataset.Name);
            }

            await store.RecordSchemaAsync(dataset.Name, SourceColumns.ToText(current), stoppedBefore ? null : state.SchemaNote, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (drift.IsEmpty)
        {
            return null;
        }

        var change = drift.Describe();
        LogDrift(logger, dataset.Name, change);
        metrics.SchemaDrift(dataset.Name, SchemaDrift.ColumnAdded, drift.Added.Count);
        metrics.SchemaDrift(dataset.Name, SchemaDrift.ColumnRemoved, drift.Removed.Count);
        metrics.SchemaDrift(dataset.Name, SchemaDrift.TypeChanged, drift.Retyped.Count);
        var at = timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        await store.RecordSchemaAsync(dataset.Name, SourceColumns.ToText(current), $"{at} UTC: {change}", cancellationToken).ConfigureAwait(false);
        return null;
    }

    [LoggerMessage(EventId = 1123, Level = LogLevel.Warning, Message = "Dataset {Dataset}: the source's columns changed since the last run: {Change}. Batches from now on carry the new columns")]
    private static partial void LogDrift(ILogger logger, string dataset, string change);

    [LoggerMessage(EventId = 1124, Level = LogLevel.Error, Message = "Dataset {Dataset} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string dataset, string reason);

    [LoggerMessage(EventId = 1125, Level = LogLevel.Information, Message = "Dataset {Dataset}: its watermark and key columns are as before again; extraction goes on")]
    private static partial void LogResumed(ILogger logger, string dataset);
}
