using System.Data.Common;
using Dapper;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Batches, dataset watermarks and insurer cursors on the staging database.</summary>
public sealed class BatchStore(StagingDatabase database, TimeProvider timeProvider) : IBatchStore
{
    // All of them are in the SQLite index ix_batches_headers (003), so the header reads never walk a payload's overflow pages.
    // A column added here goes into a new index too; SqliteStagingStoreTests fails on a header read that leaves the index.
    internal const string HeaderColumns = "batch_id, dataset, seq, row_count, created_at, format, size_bytes, sha256";

    // The cursor is read in the same statement, so the headers and the cursor they follow are one snapshot.
    internal const string UnacknowledgedSql = $"""
        SELECT {HeaderColumns} FROM batches
        WHERE dataset = @dataset AND seq > COALESCE((SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset), 0)
        ORDER BY seq LIMIT @max
        """;

    /// <inheritdoc />
    public async Task<DatasetState> GetDatasetStateAsync(string dataset, CancellationToken cancellationToken)
    {
        var rows = await database.QueryListAsync(
            "SELECT watermark, last_seq FROM watermarks WHERE dataset = @dataset",
            new { dataset },
            reader => new DatasetState(dataset, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? new DatasetState(dataset, null, 0) : rows[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchHeader>> GetUnacknowledgedHeadersAsync(string insurer, string dataset, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return database.QueryListAsync(UnacknowledgedSql, new { dataset, insurer, max }, ReadHeader, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<StoredBatch?> GetBatchAsync(long batchId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryListAsync(
            $"SELECT {HeaderColumns}, payload FROM batches WHERE batch_id = @batchId",
            new { batchId },
            reader => new StoredBatch(ReadHeader(reader), (byte[])reader.GetValue(8)),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public async Task<BatchHeader> AppendBatchAsync(NewBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var state = await LockDatasetAsync(connection, transaction, batch.Dataset, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(state.Watermark, batch.WatermarkFrom, StringComparison.Ordinal))
                {
                    throw new WatermarkConflictException(batch.Dataset, batch.WatermarkFrom, state.Watermark);
                }

                var header = await InsertBatchAsync(connection, transaction, batch, state.LastSeq + 1, cancellationToken).ConfigureAwait(false);
                await SetDatasetStateAsync(connection, transaction, batch.Dataset, batch.WatermarkTo, header.Seq, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return header;
            }
        }
    }

    /// <inheritdoc />
    public async Task<(BatchHeader Header, bool Duplicate)> AppendPushedBatchAsync(NewBatch batch, string batchKey, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The dataset row lock serialises pushes of one dataset, so the key check below cannot race.
                var state = await LockDatasetAsync(connection, transaction, batch.Dataset, cancellationToken).ConfigureAwait(false);
                var existing = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT batch_id FROM push_keys WHERE dataset = @Dataset AND batch_key = @batchKey",
                    new { batch.Dataset, batchKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (existing is { } existingId)
                {
                    var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                        $"SELECT {HeaderColumns} FROM batches WHERE batch_id = @existingId", new { existingId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        return (ReadHeader(reader), true);
                    }
                }

                var header = await InsertBatchAsync(connection, transaction, batch, state.LastSeq + 1, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO push_keys (dataset, batch_key, batch_id, created_at) VALUES (@Dataset, @batchKey, @BatchId, @CreatedAt)",
                    new { batch.Dataset, batchKey, header.BatchId, CreatedAt = database.ToDb(header.CreatedAt) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await SetDatasetStateAsync(connection, transaction, batch.Dataset, state.Watermark, header.Seq, cancellationToken).ConfigureAwait(false);
                await AuditRows.InsertAsync(connection, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return (header, false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<AckResult> AckAsync(string insurer, string dataset, long seq, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var lastSeq = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT last_seq FROM watermarks WHERE dataset = @dataset", new { dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
                var cursor = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    $"SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset{database.ForUpdate}", new { insurer, dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
                if (seq > lastSeq)
                {
                    return new AckResult(AckOutcome.OutOfRange, cursor, lastSeq);
                }

                if (seq <= cursor)
                {
                    return new AckResult(AckOutcome.AlreadyAcknowledged, cursor, lastSeq);
                }

                // The WHERE keeps the cursor monotonic even if two acknowledgements of one insurer race.
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO cursors (insurer, dataset, acked_seq, updated_at) VALUES (@insurer, @dataset, @seq, @now)
                    ON CONFLICT (insurer, dataset) DO UPDATE SET acked_seq = excluded.acked_seq, updated_at = excluded.updated_at
                    WHERE cursors.acked_seq < excluded.acked_seq
                    """,
                    new { insurer, dataset, seq, now = database.ToDb(timeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await AuditRows.InsertAsync(connection, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return new AckResult(AckOutcome.Advanced, seq, lastSeq);
            }
        }
    }

    private async Task<DatasetState> LockDatasetAsync(DbConnection connection, DbTransaction transaction, string dataset, CancellationToken cancellationToken)
    {
        // Insert-if-missing first, so the row exists to be locked even for a dataset's first batch.
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO watermarks (dataset, watermark, last_seq, updated_at) VALUES (@dataset, NULL, 0, @now) ON CONFLICT (dataset) DO NOTHING",
            new { dataset, now = database.ToDb(timeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var row = await connection.QuerySingleAsync<(string? Watermark, long LastSeq)>(new CommandDefinition(
            $"SELECT watermark, last_seq FROM watermarks WHERE dataset = @dataset{database.ForUpdate}", new { dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new DatasetState(dataset, row.Watermark, row.LastSeq);
    }

    private Task SetDatasetStateAsync(DbConnection connection, DbTransaction transaction, string dataset, string? watermark, long lastSeq, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE watermarks SET watermark = @watermark, last_seq = @lastSeq, updated_at = @now WHERE dataset = @dataset",
            new { dataset, watermark, lastSeq, now = database.ToDb(timeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken));

    private async Task<BatchHeader> InsertBatchAsync(DbConnection connection, DbTransaction transaction, NewBatch batch, long seq, CancellationToken cancellationToken)
    {
        var createdAt = timeProvider.GetUtcNow();
        var batchId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO batches (dataset, seq, row_count, format, payload, size_bytes, sha256, watermark_from, watermark_to, origin, created_at)
            VALUES (@Dataset, @seq, @RowCount, @Format, @Payload, @SizeBytes, @Sha256, @WatermarkFrom, @WatermarkTo, @Origin, @CreatedAt)
            RETURNING batch_id
            """,
            new
            {
                batch.Dataset,
                seq,
                batch.RowCount,
                batch.Format,
                batch.Payload,
                SizeBytes = (long)batch.Payload.Length,
                batch.Sha256,
                batch.WatermarkFrom,
                batch.WatermarkTo,
                Origin = (int)batch.Origin,
                CreatedAt = database.ToDb(createdAt),
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
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
