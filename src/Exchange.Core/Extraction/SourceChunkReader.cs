using System.Data.Common;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;
using Npgsql;

namespace Exchange.Core.Extraction;

/// <summary>
/// The source side of an extraction run: the run's one connection, the plan every chunk shares (upper bound, column
/// formats), and reading one keyset chunk into a payload writer.
/// </summary>
internal sealed class SourceChunkReader(SourceConnector sources)
{
    /// <summary>Opens the run's one source connection; on PostgreSQL its session reads without parallel workers, JIT, bitmap or sequential scans.</summary>
    /// <remarks>
    /// A chunk is a short range read of the (timestamp, key) index. Near the recent end of a table, where the statistics
    /// lag behind the rows, PostgreSQL can overestimate such a read: on the 10-million-row benchmark table the last chunks
    /// were planned with parallel workers (more of the production server's cores than the one session a dataset may use)
    /// and JIT-compiled anew each time (EXPLAIN ANALYZE: 8 ms of JIT, 44 ms for a read that took 15 without). Where it
    /// expects few rows after the watermark, or a small table (a table growing faster than autovacuum analyses it), it picks
    /// a bitmap heap scan or a sequential scan and a sort, which read every row up to the run's upper bound (or the whole
    /// table) for each chunk instead of stopping at the chunk's last row: each chunk re-read what the earlier ones took.
    /// With both scans off (they stay possible, only priced out) the chunk is the ordered range scan of the (timestamp, key)
    /// index that stops at its limit. The settings the server has are set for this session only; the pool's reset
    /// (DISCARD ALL) clears them for the connection's next user.
    /// </remarks>
    public async Task<DbConnection> OpenAsync(SourceInfo source, CancellationToken cancellationToken)
    {
        // The standby when the source has one: the primary is only measured, never read.
        var connection = await sources.OpenAsync(source.Name, SourceRole.Read, cancellationToken).ConfigureAwait(false);
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
    /// Plans a run from the result's column types, read without reading a row: the upper bound (an instant on the source's
    /// clock, typed here in the timestamp column's kind) and, for PostgreSQL, the numeric columns to be sent as text (see
    /// <see cref="ColumnBuffers.PostgresTextFormat"/>).
    /// </summary>
    public static async Task<RunPlan> PlanAsync(
        DbConnection connection, SourceInfo source, DatasetOptions dataset, DateTimeOffset upper, CancellationToken cancellationToken)
    {
        var probe = string.IsNullOrWhiteSpace(dataset.Query)
            ? KeysetQuery.ColumnsProbe(source.Dialect, dataset.Table!, dataset.Columns, dataset.TimestampColumn, dataset.KeyColumn)
            : KeysetQuery.CustomColumnsProbe(dataset.Query);
        var (kind, textFormat, timestampType) = await ProbeColumnsAsync(connection, probe, dataset.TimestampColumn, dataset.KeyColumn, cancellationToken).ConfigureAwait(false);
        return new RunPlan(
            SourceTimestamps.UpperBound(kind!.Value, upper, TimeSpan.Zero, source.TimeZoneOffset),
            textFormat,
            SqlDialects.RowLimitFor(source.Dialect, connection.ServerVersion),
            timestampType,
            kind.Value);
    }

    /// <summary>
    /// Runs a probe that reads no row: the timestamp column's kind (null without one), the PostgreSQL text-format columns,
    /// and the timestamp column's type name as the provider reports it ("" without one).
    /// </summary>
    public static async Task<(TimestampKind? Kind, bool[]? TextFormat, string TimestampType)> ProbeColumnsAsync(
        DbConnection connection, string probe, string? timestampColumn, string keyColumn, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = probe;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var tsOrdinal = string.IsNullOrWhiteSpace(timestampColumn) ? -1 : reader.GetOrdinal(KeysetQuery.ResultName(timestampColumn));
        var keyOrdinal = reader.GetOrdinal(KeysetQuery.ResultName(keyColumn));
        TimestampKind? kind = tsOrdinal < 0 ? null : SourceTimestamps.KindOf(reader.GetFieldType(tsOrdinal), reader.GetDataTypeName(tsOrdinal), timestampColumn!);
        return (kind, ColumnBuffers.PostgresTextFormat(reader, tsOrdinal, keyOrdinal), tsOrdinal < 0 ? "" : reader.GetDataTypeName(tsOrdinal));
    }

    /// <summary>Reads one chunk's rows into a payload writer; null when there are none. The source's reader is closed on return.</summary>
    public static async Task<ReadChunk?> ReadChunkAsync(
        DbConnection connection, SourceInfo source, DatasetOptions dataset, RunPlan plan, Watermark? watermark, int limit, CancellationToken cancellationToken)
    {
        var query = string.IsNullOrWhiteSpace(dataset.Query)
            ? KeysetQuery.Build(source.Dialect, dataset.Table!, dataset.Columns, dataset.TimestampColumn, dataset.KeyColumn, watermark is not null, plan.RowLimit)
            : KeysetQuery.BuildCustom(source.Dialect, dataset.Query, dataset.TimestampColumn, dataset.KeyColumn, watermark is not null, plan.RowLimit);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = query.Sql;
        command.UseNamedParameters(source.Dialect);
        if (watermark is not null)
        {
            command.AddTimestampParameter(source.Dialect, KeysetQuery.TimestampParameter, watermark.Timestamp, plan.TimestampType);
            command.AddParameter(source.Dialect, KeysetQuery.KeyParameter, watermark.Key);
        }

        command.AddTimestampParameter(source.Dialect, KeysetQuery.UpperParameter, plan.Upper, plan.TimestampType);
        command.AddParameter(source.Dialect, KeysetQuery.LimitParameter, limit);
        return await ReadRowsAsync(command, source, plan.TextFormat, (reader, writer) => Watermark.Create(
            writer.LastValue(reader.GetOrdinal(KeysetQuery.ResultName(dataset.TimestampColumn))),
            writer.LastValue(reader.GetOrdinal(KeysetQuery.ResultName(dataset.KeyColumn)))).ToText(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a chunk query's rows into a payload writer; null when there are none. <paramref name="endWatermark"/> gives the
    /// chunk's end watermark text from the last row (kept by the writer) while the reader is still open.
    /// </summary>
    public static async Task<ReadChunk?> ReadRowsAsync(
        DbCommand command, SourceInfo source, bool[]? textFormat, Func<DbDataReader, JsonLinesPayloadWriter, string> endWatermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(endWatermark);
        if (textFormat is not null && command is NpgsqlCommand npgsql)
        {
            npgsql.UnknownResultTypeList = textFormat;
        }

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var writer = new JsonLinesPayloadWriter(source.TimeZoneOffset, source.Dialect);
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
            return new ReadChunk(writer, endWatermark(reader, writer));
        }
        catch
        {
            // A chunk dropped mid-read (cancelled, hibernation, a source error): stop its encoder and compressor.
            writer.Dispose();
            throw;
        }
    }

    // Only the settings the server knows (jit is PostgreSQL 11+), so an older server is not refused.
    private const string PostgresSessionSettings =
        "SELECT set_config(name, value, false) FROM (VALUES ('jit', 'off'), ('max_parallel_workers_per_gather', '0'), ('enable_bitmapscan', 'off'), ('enable_seqscan', 'off')) AS s(name, value) " +
        "WHERE name IN (SELECT name FROM pg_settings)";
}

/// <summary>What every chunk of a run shares.</summary>
/// <param name="Upper">The upper bound of the watermark timestamp (the earliest <see cref="RunBound"/>, in the column's kind).</param>
/// <param name="TextFormat">Per result column, whether PostgreSQL sends it as text; null for none (or another source).</param>
/// <param name="RowLimit">How a chunk limits its rows on this server (Oracle 11g: ROWNUM), from the version read at connect.</param>
/// <param name="TimestampType">The timestamp column's type name as the provider reports it (ODP.NET's <c>Date</c> binds as DATE).</param>
/// <param name="Kind">How the timestamp column stores its values (an instant given by an operator is typed by it).</param>
internal sealed record RunPlan(object Upper, bool[]? TextFormat, RowLimitSyntax RowLimit = RowLimitSyntax.Standard, string TimestampType = "", TimestampKind Kind = TimestampKind.Local);

/// <summary>A chunk read in full: its payload writer (the encoder and compressor may still be busy) and the watermark it ends at.</summary>
/// <remarks>Disposing it drops the chunk, unless <see cref="Release"/> has handed the writer over to its store.</remarks>
internal sealed class ReadChunk(JsonLinesPayloadWriter writer, string watermarkTo) : IDisposable
{
    private JsonLinesPayloadWriter? _writer = writer;

    /// <summary>Rows in the chunk.</summary>
    public int Rows { get; } = writer.RowCount;

    /// <summary>The dataset's watermark text once this chunk is stored.</summary>
    public string WatermarkTo { get; } = watermarkTo;

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
