using System.Data.Common;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Batches, dataset watermarks and insurer cursors on the staging database.</summary>
public sealed class BatchStore(StagingDatabase database, TimeProvider timeProvider) : IBatchStore
{
    // All of them are in the SQLite index ix_batches_headers (003), so the header reads never walk a payload's overflow pages.
    // A column added here goes into a new index too; SqliteStagingStoreTests fails on a header read that leaves the index.
    private const string HeaderColumns = "batch_id, dataset, seq, row_count, created_at, format, size_bytes, sha256";

    // The cursor is read in the same statement, so the headers and the cursor they follow are one snapshot.
    internal const string UnacknowledgedSql = $"""
        SELECT {HeaderColumns} FROM batches
        WHERE dataset = @dataset AND seq > COALESCE((SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset), 0)
        ORDER BY seq
        """;

    /// <inheritdoc />
    public async Task<DatasetState> GetDatasetStateAsync(string dataset, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT watermark, last_seq, source_columns, schema_note FROM watermarks WHERE dataset = @dataset",
            reader => new DatasetState(
                dataset, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)),
            cancellationToken,
            ("dataset", dataset)).ConfigureAwait(false);
        return rows.Count == 0 ? new DatasetState(dataset, null, 0) : rows[0];
    }

    /// <inheritdoc />
    public Task RecordSchemaAsync(string dataset, string? sourceColumns, string? note, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                _ = await LockDatasetAsync(session, transaction, dataset, cancellationToken).ConfigureAwait(false);
                await session.ExecuteAsync(
                    "UPDATE watermarks SET source_columns = COALESCE(@columns, source_columns), schema_note = @note WHERE dataset = @dataset",
                    transaction, cancellationToken, ("dataset", dataset), ("columns", sourceColumns), ("note", note)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchHeader>> GetUnacknowledgedHeadersAsync(string insurer, string dataset, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return database.QueryAsync(UnacknowledgedSql + database.Limit(max), ReadHeader, cancellationToken, ("dataset", dataset), ("insurer", insurer), ("max", max));
    }

    /// <inheritdoc />
    public async Task<StoredBatch?> GetBatchAsync(long batchId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            $"SELECT {HeaderColumns}, payload FROM batches WHERE batch_id = @batchId",
            reader => new StoredBatch(ReadHeader(reader), (byte[])reader.GetValue(8)),
            cancellationToken,
            ("batchId", batchId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<BatchHeader> AppendBatchAsync(NewBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return database.WriteAsync(
            async (session, transaction) =>
            {
                var state = await LockDatasetAsync(session, transaction, batch.Dataset, cancellationToken).ConfigureAwait(false);
                var backfill = batch.Origin == BatchOrigin.Backfill;
                if (!backfill && !string.Equals(state.Watermark, batch.WatermarkFrom, StringComparison.Ordinal))
                {
                    throw new WatermarkConflictException(batch.Dataset, batch.WatermarkFrom, state.Watermark);
                }

                // A backfill batch's watermarks are the range it re-read; the dataset's own watermark stays where it is.
                var header = await InsertBatchAsync(session, transaction, batch, state.LastSeq + 1, cancellationToken).ConfigureAwait(false);
                await SetDatasetStateAsync(session, transaction, batch.Dataset, backfill ? state.Watermark : batch.WatermarkTo, header.Seq, cancellationToken).ConfigureAwait(false);
                await Deletes.KeyIndexRows.ApplyAsync(session, transaction, database, batch.Dataset, batch.Keys, header.Seq, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return header;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<(BatchHeader Header, bool Duplicate)> AppendPushedBatchAsync(NewBatch batch, string batchKey, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return database.WriteAsync<(BatchHeader, bool)>(
            async (session, transaction) =>
            {
                // The dataset row lock serialises pushes of one dataset, so the key check below cannot race.
                var state = await LockDatasetAsync(session, transaction, batch.Dataset, cancellationToken).ConfigureAwait(false);
                var existing = await session.ScalarAsync<long?>(
                    "SELECT batch_id FROM push_keys WHERE dataset = @Dataset AND batch_key = @batchKey",
                    transaction, cancellationToken, ("Dataset", batch.Dataset), ("batchKey", batchKey)).ConfigureAwait(false);
                if (existing is { } existingId)
                {
                    var headers = await session.QueryAsync(
                        $"SELECT {HeaderColumns} FROM batches WHERE batch_id = @existingId", transaction, ReadHeader, cancellationToken, ("existingId", existingId)).ConfigureAwait(false);
                    return (headers[0], true);
                }

                var header = await InsertBatchAsync(session, transaction, batch, state.LastSeq + 1, cancellationToken).ConfigureAwait(false);
                await session.ExecuteAsync(
                    "INSERT INTO push_keys (dataset, batch_key, batch_id, created_at) VALUES (@Dataset, @batchKey, @BatchId, @CreatedAt)",
                    transaction,
                    cancellationToken,
                    ("Dataset", batch.Dataset),
                    ("batchKey", batchKey),
                    ("BatchId", header.BatchId),
                    ("CreatedAt", database.ToDb(header.CreatedAt))).ConfigureAwait(false);
                await SetDatasetStateAsync(session, transaction, batch.Dataset, state.Watermark, header.Seq, cancellationToken).ConfigureAwait(false);
                await AuditRows.InsertAsync(session, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return (header, false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<AckResult> AckAsync(string insurer, string dataset, long seq, CancellationToken cancellationToken, AuditRecord? audit = null) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                var (lastSeq, cursor) = await LockCursorAsync(session, transaction, database, insurer, dataset, cancellationToken).ConfigureAwait(false);
                if (seq > lastSeq)
                {
                    return new AckResult(AckOutcome.OutOfRange, cursor, lastSeq);
                }

                if (seq <= cursor)
                {
                    return new AckResult(AckOutcome.AlreadyAcknowledged, cursor, lastSeq);
                }

                // The WHERE keeps the cursor monotonic even if two acknowledgements of one insurer race.
                await session.ExecuteAsync(
                    """
                    INSERT INTO cursors (insurer, dataset, acked_seq, updated_at) VALUES (@insurer, @dataset, @seq, @now)
                    ON CONFLICT (insurer, dataset) DO UPDATE SET acked_seq = excluded.acked_seq, updated_at = excluded.updated_at
                    WHERE cursors.acked_seq < excluded.acked_seq
                    """,
                    transaction,
                    cancellationToken,
                    ("insurer", insurer),
                    ("dataset", dataset),
                    ("seq", seq),
                    ("now", database.ToDb(timeProvider.GetUtcNow()))).ConfigureAwait(false);
                await AuditRows.InsertAsync(session, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return new AckResult(AckOutcome.Advanced, seq, lastSeq);
            },
            cancellationToken);

    /// <summary>
    /// The dataset's last sequence number and the insurer's cursor in it (0 for either when there is none), the cursor row
    /// locked until <paramref name="transaction"/> ends.
    /// </summary>
    internal static async Task<(long LastSeq, long Cursor)> LockCursorAsync(
        StagingSession session, DbTransaction transaction, StagingDatabase database, string insurer, string dataset, CancellationToken cancellationToken)
    {
        var lastSeq = await session.ScalarAsync<long?>(
            "SELECT last_seq FROM watermarks WHERE dataset = @dataset", transaction, cancellationToken, ("dataset", dataset)).ConfigureAwait(false) ?? 0;
        var cursor = await session.ScalarAsync<long?>(
            $"SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset{database.ForUpdate}",
            transaction, cancellationToken, ("insurer", insurer), ("dataset", dataset)).ConfigureAwait(false) ?? 0;
        return (lastSeq, cursor);
    }

    private async Task<DatasetState> LockDatasetAsync(StagingSession session, DbTransaction transaction, string dataset, CancellationToken cancellationToken)
    {
        // Insert-if-missing first, so the row exists to be locked even for a dataset's first batch.
        await session.ExecuteAsync(
            "INSERT INTO watermarks (dataset, watermark, last_seq, updated_at) VALUES (@dataset, NULL, 0, @now) ON CONFLICT (dataset) DO NOTHING",
            transaction, cancellationToken, ("dataset", dataset), ("now", database.ToDb(timeProvider.GetUtcNow()))).ConfigureAwait(false);
        var rows = await session.QueryAsync(
            $"SELECT watermark, last_seq FROM watermarks WHERE dataset = @dataset{database.ForUpdate}",
            transaction,
            reader => new DatasetState(dataset, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)),
            cancellationToken,
            ("dataset", dataset)).ConfigureAwait(false);
        return rows[0];
    }

    private Task SetDatasetStateAsync(StagingSession session, DbTransaction transaction, string dataset, string? watermark, long lastSeq, CancellationToken cancellationToken) =>
        session.ExecuteAsync(
            "UPDATE watermarks SET watermark = @watermark, last_seq = @lastSeq, updated_at = @now WHERE dataset = @dataset",
            transaction,
            cancellationToken,
            ("dataset", dataset),
            ("watermark", watermark),
            ("lastSeq", lastSeq),
            ("now", database.ToDb(timeProvider.GetUtcNow())));

    private async Task<BatchHeader> InsertBatchAsync(StagingSession session, DbTransaction transaction, NewBatch batch, long seq, CancellationToken cancellationToken)
    {
        var createdAt = timeProvider.GetUtcNow();
        var batchId = await session.ScalarAsync<long>(
            """
            INSERT INTO batches (dataset, seq, row_count, format, payload, size_bytes, sha256, watermark_from, watermark_to, origin, created_at)
            VALUES (@Dataset, @seq, @RowCount, @Format, @Payload, @SizeBytes, @Sha256, @WatermarkFrom, @WatermarkTo, @Origin, @CreatedAt)
            RETURNING batch_id
            """,
            transaction,
            cancellationToken,
            ("Dataset", batch.Dataset),
            ("seq", seq),
            ("RowCount", batch.RowCount),
            ("Format", batch.Format),
            ("Payload", batch.Payload),
            ("SizeBytes", (long)batch.Payload.Length),
            ("Sha256", batch.Sha256),
            ("WatermarkFrom", batch.WatermarkFrom),
            ("WatermarkTo", batch.WatermarkTo),
            ("Origin", (int)batch.Origin),
            ("CreatedAt", database.ToDb(createdAt))).ConfigureAwait(false);
        return new BatchHeader(batchId, batch.Dataset, seq, batch.RowCount, createdAt, batch.Format, batch.Payload.Length, batch.Sha256);
    }

    private BatchHeader ReadHeader(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetInt32(3),
        database.ReadTimestamp(reader, 4),
        reader.GetString(5),
        reader.GetInt64(6),
        reader.GetString(7));
}
