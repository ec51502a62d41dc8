using System.Data.Common;
using System.Diagnostics;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Extraction;

/// <summary>
/// Extracts a table dataset in keyset chunks over its composite watermark. Each chunk is stored as one batch in the
/// same staging transaction that moves the watermark, so a crash at any moment loses or repeats nothing.
/// </summary>
public sealed partial class ExtractionEngine(
    IStagingStore store,
    ILoadGate gate,
    SourceConnector sources,
    TimeProvider timeProvider,
    ILogger<ExtractionEngine> logger)
{
    /// <summary>Runs the dataset until it has caught up, the gate closes, or the watermark conflicts.</summary>
    /// <remarks>At most one source connection is open during a run. Cancellation aborts the chunk in flight; it is re-read later.</remarks>
    /// <exception cref="OperationCanceledException">The run was cancelled; batches stored before stay stored.</exception>
    public async Task<ExtractionResult> RunAsync(DatasetOptions dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (string.IsNullOrWhiteSpace(dataset.Table) == string.IsNullOrWhiteSpace(dataset.Query))
        {
            throw new ArgumentException($"Dataset '{dataset.Name}' must have either Table or Query.", nameof(dataset));
        }

        if (!string.IsNullOrWhiteSpace(dataset.Query))
        {
            // Refuses a query without its {keyset} placeholder before anything reaches the source.
            _ = KeysetQuery.BuildCustom(SqlDialect.Sqlite, dataset.Query, dataset.TimestampColumn, dataset.KeyColumn, hasLowerBound: true);
        }

        if (dataset.ChunkRows < 1)
        {
            throw new ArgumentException($"ChunkRows of dataset '{dataset.Name}' must be at least 1, was {dataset.ChunkRows}.", nameof(dataset));
        }

        var source = sources.Describe(dataset.Source);
        var state = await store.GetDatasetStateAsync(dataset.Name, cancellationToken).ConfigureAwait(false);
        var watermarkText = state.Watermark;
        var watermark = watermarkText is null ? null : Watermark.Parse(watermarkText);

        // One instant per run: the run ends at the data that was old enough when it started.
        var now = timeProvider.GetUtcNow();
        LogRunStarting(logger, dataset.Name, source.Name, source.Description, watermarkText ?? "(none)");

        var chunks = 0;
        long rows = 0;
        var chunkRows = dataset.ChunkRows;
        var maxChunkRows = Math.Max(dataset.MaxChunkRows, 1);
        DbConnection? connection = null;
        try
        {
            object? upper = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var decision = await gate.CheckAsync(dataset.Source, cancellationToken).ConfigureAwait(false);
                if (!decision.IsOpen)
                {
                    LogGateClosed(logger, dataset.Name, decision.State, decision.Reason);
                    return new ExtractionResult(dataset.Name, chunks, rows, ExtractionStopReason.GateClosed, decision.Reason, watermarkText);
                }

                connection ??= await sources.OpenAsync(dataset.Source, cancellationToken).ConfigureAwait(false);
                if (upper is null)
                {
                    var kind = await ProbeTimestampKindAsync(connection, source.Dialect, dataset, cancellationToken).ConfigureAwait(false);
                    upper = SourceTimestamps.UpperBound(kind, now, dataset.SafetyLag, source.TimeZoneOffset);
                }

                var started = timeProvider.GetTimestamp();
                (Payload Payload, Watermark Last)? chunk;
                var hibernation = gate.HibernationToken(dataset.Source);
                using (var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hibernation))
                {
                    try
                    {
                        chunk = await ReadChunkAsync(connection, source, dataset, watermark, upper, chunkRows, read.Token).ConfigureAwait(false);
                    }
                    catch (Exception error) when (hibernation.IsCancellationRequested && !cancellationToken.IsCancellationRequested && error is OperationCanceledException or DbException)
                    {
                        // The gate started hibernating mid-chunk: the chunk is dropped unstored and read again after the hibernation.
                        LogChunkAbandoned(logger, dataset.Name, chunkRows);
                        return new ExtractionResult(dataset.Name, chunks, rows, ExtractionStopReason.GateClosed, "load gate started hibernating; the chunk in flight was abandoned and will be read again", watermarkText);
                    }
                }

                if (chunk is null)
                {
                    break;
                }

                var (payload, last) = chunk.Value;
                var lastText = last.ToText();
                try
                {
                    var header = await store.AppendBatchAsync(
                        new NewBatch(dataset.Name, payload.RowCount, JsonLinesPayloadWriter.Format, payload.Gzip, payload.Sha256, watermarkText, lastText, BatchOrigin.Extracted),
                        cancellationToken).ConfigureAwait(false);
                    LogChunkStored(logger, dataset.Name, header.Seq, payload.RowCount, payload.Gzip.LongLength, timeProvider.GetElapsedTime(started).TotalMilliseconds);
                    Diagnostics.ExchangeMetrics.Instance.BatchStored(dataset.Name, payload.RowCount, timeProvider.GetElapsedTime(started));
                }
                catch (WatermarkConflictException ex)
                {
                    LogWatermarkConflict(logger, dataset.Name, ex.Message);
                    return new ExtractionResult(dataset.Name, chunks, rows, ExtractionStopReason.WatermarkConflict, ex.Message, watermarkText);
                }

                chunks++;
                rows += payload.RowCount;
                watermark = last;
                watermarkText = lastText;
                if (payload.RowCount < chunkRows)
                {
                    break;
                }

                chunkRows = ChunkSizing.Next(chunkRows, payload.RowCount, timeProvider.GetElapsedTime(started), dataset.TargetChunkTime, maxChunkRows);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        LogCaughtUp(logger, dataset.Name, chunks, rows, watermarkText ?? "(none)");
        return new ExtractionResult(dataset.Name, chunks, rows, ExtractionStopReason.CaughtUp, "caught up", watermarkText);
    }

    private static async Task<(Payload Payload, Watermark Last)?> ReadChunkAsync(
        DbConnection connection, SourceInfo source, DatasetOptions dataset, Watermark? watermark, object upper, int limit, CancellationToken cancellationToken)
    {
        var query = string.IsNullOrWhiteSpace(dataset.Query)
            ? KeysetQuery.Build(source.Dialect, dataset.Table!, dataset.Columns, dataset.TimestampColumn, dataset.KeyColumn, watermark is not null)
            : KeysetQuery.BuildCustom(source.Dialect, dataset.Query, dataset.TimestampColumn, dataset.KeyColumn, watermark is not null);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = query.Sql;
        command.UseNamedParameters(source.Dialect);
        if (watermark is not null)
        {
            command.AddParameter(source.Dialect, KeysetQuery.TimestampParameter, watermark.Timestamp);
            command.AddParameter(source.Dialect, KeysetQuery.KeyParameter, watermark.Key);
        }

        command.AddParameter(source.Dialect, KeysetQuery.UpperParameter, upper);
        command.AddParameter(source.Dialect, KeysetQuery.LimitParameter, limit);

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var tsOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.TimestampColumn));
        var keyOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.KeyColumn));
        using var writer = new JsonLinesPayloadWriter(source.TimeZoneOffset);
        object? lastTs = null;
        object? lastKey = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await writer.WriteRowAsync(reader, cancellationToken).ConfigureAwait(false);
            lastTs = reader.GetValue(tsOrdinal);
            lastKey = reader.GetValue(keyOrdinal);
        }

        if (writer.RowCount == 0)
        {
            return null;
        }

        Debug.Assert(lastTs is not null && lastKey is not null, "a row was read");
        return (await writer.CompleteAsync(cancellationToken).ConfigureAwait(false), Watermark.Create(lastTs, lastKey));
    }

    private static async Task<TimestampKind> ProbeTimestampKindAsync(
        DbConnection connection, SqlDialect dialect, DatasetOptions dataset, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = string.IsNullOrWhiteSpace(dataset.Query)
            ? KeysetQuery.TimestampProbe(dialect, dataset.Table!, dataset.TimestampColumn)
            : KeysetQuery.CustomTimestampProbe(dataset.Query);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var ordinal = string.IsNullOrWhiteSpace(dataset.Query) ? 0 : reader.GetOrdinal(KeysetQuery.ResultName(dataset.TimestampColumn));
        return SourceTimestamps.KindOf(reader.GetFieldType(ordinal), reader.GetDataTypeName(ordinal), dataset.TimestampColumn);
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Extracting {Dataset} from source {Source} ({SourceDescription}) after watermark {Watermark}")]
    private static partial void LogRunStarting(ILogger logger, string dataset, string source, string sourceDescription, string watermark);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Dataset {Dataset}: batch {Seq} stored, {Rows} rows, {Bytes} bytes compressed, {ElapsedMs:F0} ms")]
    private static partial void LogChunkStored(ILogger logger, string dataset, long seq, int rows, long bytes, double elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Dataset {Dataset} caught up: {Chunks} batches, {Rows} rows this run, watermark {Watermark}")]
    private static partial void LogCaughtUp(ILogger logger, string dataset, int chunks, long rows, string watermark);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Dataset {Dataset} paused: load gate is {State} ({Reason})")]
    private static partial void LogGateClosed(ILogger logger, string dataset, GateState state, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Dataset {Dataset}: chunk of {Rows} rows abandoned because the load gate started hibernating; it will be read again")]
    private static partial void LogChunkAbandoned(ILogger logger, string dataset, int rows);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Dataset {Dataset} stopped: {Message}")]
    private static partial void LogWatermarkConflict(ILogger logger, string dataset, string message);
}
