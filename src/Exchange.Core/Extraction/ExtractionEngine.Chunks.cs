using System.Data.Common;
using System.Diagnostics;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exchange.Core.Extraction;

/// <summary>Reading one chunk from the source, and finishing and storing it in the background.</summary>
public sealed partial class ExtractionEngine
{
    /// <summary>Finishes and stores a fully read chunk on a background task; the returned batch must be settled (awaited).</summary>
    /// <remarks>The store has the run's token only: a hibernation does not stop it, a cancelled run rolls it back.</remarks>
    private PendingBatch StartStore(ReadChunk chunk, string dataset, string? watermarkFrom, long started, CancellationToken cancellationToken)
    {
        var rows = chunk.Rows;
        var watermarkTo = chunk.Last.ToText();
        var writer = chunk.Release();

        // CancellationToken.None: the task must run even if the run is cancelled already, so that it disposes the writer.
        var storing = Task.Run(() => StoreAsync(writer, dataset, rows, watermarkFrom, watermarkTo, started, cancellationToken), CancellationToken.None);
        return new PendingBatch(storing, rows, watermarkTo);
    }

    private async Task<BatchHeader> StoreAsync(
        JsonLinesPayloadWriter writer, string dataset, int rows, string? watermarkFrom, string watermarkTo, long started, CancellationToken cancellationToken)
    {
        Payload payload;
        using (writer)
        {
            payload = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        Debug.Assert(payload.RowCount == rows, "the writer took no rows after the chunk was read");
        var batch = new NewBatch(dataset, payload.RowCount, JsonLinesPayloadWriter.Format, payload.Gzip, payload.Sha256, watermarkFrom, watermarkTo, BatchOrigin.Extracted);
        var header = await storeRetry.StoreAsync(
            dataset, watermarkFrom, token => new ValueTask<BatchHeader>(store.AppendBatchAsync(batch, token)), cancellationToken).ConfigureAwait(false);
        var elapsed = timeProvider.GetElapsedTime(started);
        LogChunkStored(logger, dataset, header.Seq, payload.RowCount, payload.Gzip.LongLength, elapsed.TotalMilliseconds);
        Diagnostics.ExchangeMetrics.Instance.BatchStored(dataset, payload.RowCount, elapsed);
        return header;
    }

    /// <summary>Reads one chunk's rows into a payload writer; null when there are none. The source's reader is closed on return.</summary>
    private static async Task<ReadChunk?> ReadChunkAsync(
        DbConnection connection, SourceInfo source, DatasetOptions dataset, RunPlan plan, Watermark? watermark, int limit, CancellationToken cancellationToken)
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

        command.AddParameter(source.Dialect, KeysetQuery.UpperParameter, plan.Upper);
        command.AddParameter(source.Dialect, KeysetQuery.LimitParameter, limit);
        if (plan.TextFormat is not null && command is NpgsqlCommand npgsql)
        {
            npgsql.UnknownResultTypeList = plan.TextFormat;
        }

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var tsOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.TimestampColumn));
        var keyOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.KeyColumn));
        var writer = new JsonLinesPayloadWriter(source.TimeZoneOffset);
        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteRowAsync(reader, cancellationToken).ConfigureAwait(false);
            }

            if (writer.RowCount == 0)
            {
                writer.Dispose();
                return null;
            }

            // The last row's values, kept by the writer: reading them from every row cost two more values and boxes per row.
            return new ReadChunk(writer, Watermark.Create(writer.LastValue(tsOrdinal), writer.LastValue(keyOrdinal)));
        }
        catch
        {
            // A chunk dropped mid-read (cancelled, hibernation, a source error): stop its encoder and compressor.
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Opens the run's one source connection; on PostgreSQL its session reads without parallel workers or JIT.</summary>
    /// <remarks>
    /// A chunk is a short range read of the (timestamp, key) index. Near the recent end of a table, where the statistics
    /// lag behind the rows, PostgreSQL can overestimate such a read: on the 10-million-row benchmark table the last chunks
    /// were planned with parallel workers (more of the production server's cores than the one session a dataset may use)
    /// and JIT-compiled anew each time (EXPLAIN ANALYZE: 8 ms of JIT, 44 ms for a read that took 15 without). The settings
    /// the server has are set for this session only; the pool's reset (DISCARD ALL) clears them for the connection's next user.
    /// </remarks>
    private async Task<DbConnection> OpenSourceAsync(SourceInfo source, CancellationToken cancellationToken)
    {
        var connection = await sources.OpenAsync(source.Name, cancellationToken).ConfigureAwait(false);
        if (source.Dialect != SqlDialect.Postgres)
        {
            return connection;
        }

        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = PostgresSessionSettings;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Plans a run from the result's column types, read without reading a row: the upper bound (in the timestamp column's
    /// kind) and, for PostgreSQL, the numeric columns to be sent as text (see <see cref="ColumnBuffers.PostgresTextFormat"/>).
    /// </summary>
    private static async Task<RunPlan> PlanAsync(
        DbConnection connection, SourceInfo source, DatasetOptions dataset, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = string.IsNullOrWhiteSpace(dataset.Query)
            ? KeysetQuery.ColumnsProbe(source.Dialect, dataset.Table!, dataset.Columns, dataset.TimestampColumn, dataset.KeyColumn)
            : KeysetQuery.CustomColumnsProbe(dataset.Query);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var tsOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.TimestampColumn));
        var keyOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(dataset.KeyColumn));
        var kind = SourceTimestamps.KindOf(reader.GetFieldType(tsOrdinal), reader.GetDataTypeName(tsOrdinal), dataset.TimestampColumn);
        return new RunPlan(
            SourceTimestamps.UpperBound(kind, now, dataset.SafetyLag, source.TimeZoneOffset),
            ColumnBuffers.PostgresTextFormat(reader, tsOrdinal, keyOrdinal));
    }

    // Only the settings the server knows (jit is PostgreSQL 11+), so an older server is not refused.
    private const string PostgresSessionSettings =
        "SELECT set_config(name, value, false) FROM (VALUES ('jit', 'off'), ('max_parallel_workers_per_gather', '0')) AS s(name, value) " +
        "WHERE name IN (SELECT name FROM pg_settings)";

    /// <summary>What every chunk of a run shares.</summary>
    /// <param name="Upper">The upper bound of the watermark timestamp (now minus the safety lag, in the column's kind).</param>
    /// <param name="TextFormat">Per result column, whether PostgreSQL sends it as text; null for none (or another source).</param>
    private sealed record RunPlan(object Upper, bool[]? TextFormat);

    /// <summary>A chunk read in full: its payload writer (the encoder and compressor may still be busy) and its last row's watermark.</summary>
    /// <remarks>Disposing it drops the chunk, unless <see cref="Release"/> has handed the writer over to its store.</remarks>
    private sealed class ReadChunk(JsonLinesPayloadWriter writer, Watermark last) : IDisposable
    {
        private JsonLinesPayloadWriter? _writer = writer;

        /// <summary>Rows in the chunk.</summary>
        public int Rows { get; } = writer.RowCount;

        /// <summary>The watermark of the chunk's last row.</summary>
        public Watermark Last { get; } = last;

        /// <summary>Hands the writer over to the store task, which disposes it.</summary>
        public JsonLinesPayloadWriter Release()
        {
            var released = _writer ?? throw new InvalidOperationException("The chunk's writer was handed over to its store already.");
            _writer = null;
            return released;
        }

        public void Dispose()
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    /// <summary>A chunk being finished and stored in the background.</summary>
    /// <param name="Store">The store; it must always be awaited.</param>
    /// <param name="Rows">Rows in the chunk.</param>
    /// <param name="WatermarkTo">The watermark the batch moves the dataset to.</param>
    private sealed record PendingBatch(Task<BatchHeader> Store, int Rows, string WatermarkTo);

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

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "Dataset {Dataset}: the batch being stored when the run failed was not stored either ({Reason}); it will be read again")]
    private static partial void LogStoreFailedWhileStopping(ILogger logger, Exception error, string dataset, string reason);
}
