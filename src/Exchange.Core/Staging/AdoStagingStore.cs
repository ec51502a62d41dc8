using System.Data.Common;
using System.Globalization;
using Dapper;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>
/// The staging store logic shared by the SQL dialects: the statements are the same on SQLite and PostgreSQL
/// except for row locking, timestamp representation and how a connection is opened.
/// </summary>
public abstract partial class AdoStagingStore : IStagingStore
{
    private const string CreateSchemaVersionSql =
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

    private const string SchemaVersionSql = "SELECT COALESCE(MAX(version), 0) FROM schema_version";

    // All of them are in the SQLite index ix_batches_headers (003), so the header reads never walk a payload's overflow pages.
    // A column added here goes into a new index too; SqliteStagingStoreTests fails on a header read that leaves the index.
    private const string HeaderColumns = "batch_id, dataset, seq, row_count, created_at, format, size_bytes, sha256";

    /// <summary>Creates the store.</summary>
    protected AdoStagingStore(TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
    }

    /// <summary>The clock every stored timestamp comes from.</summary>
    protected TimeProvider TimeProvider { get; }

    /// <summary>The folder of <c>install/sql</c> with this dialect's scripts.</summary>
    protected abstract string DialectFolder { get; }

    /// <summary>The clause that locks the rows a SELECT reads until the transaction ends ("" where the transaction already holds the write lock).</summary>
    protected abstract string ForUpdate { get; }

    /// <summary>Opens a connection ready for use.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Lends a connection for the statements of one call (a fresh connection unless the dialect keeps sessions).</summary>
    protected virtual async ValueTask<StoreSession> OpenSessionAsync(CancellationToken cancellationToken) =>
        new ConnectionSession(await OpenAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Begins a transaction that will write.</summary>
    protected virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Serialises schema migrations between several daemons sharing the store.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before the migration transaction (settings that cannot be changed inside one).</summary>
    protected virtual Task PrepareForMigrationAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A timestamp as this dialect stores it.</summary>
    protected abstract object ToDb(DateTimeOffset value);

    /// <summary>A stored timestamp read back.</summary>
    protected abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = SchemaScripts.For(DialectFolder);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await PrepareForMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    CreateSchemaVersionSql,
                    transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var current = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    SchemaVersionSql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (current > scripts.Count)
                {
                    throw new StagingSchemaException(
                        $"The staging store has schema version {current}, but this build of Exchange knows versions 1 to {scripts.Count} ({DialectFolder}). " +
                        "Run the newer Exchange that wrote it, or point Exchange:Staging:ConnectionString at another store.");
                }

                foreach (var script in scripts.Where(s => s.Version > current))
                {
                    await connection.ExecuteAsync(new CommandDefinition(script.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                        new { script.Version, script.Name, AppliedAt = TimeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
                        transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The number of schema versions this build knows; a migrated store is at this version.</summary>
    public int KnownSchemaVersion => SchemaScripts.For(DialectFolder).Count;

    /// <summary>A query returning 1 when the <c>schema_version</c> table exists and 0 when not, creating nothing.</summary>
    protected abstract string SchemaVersionTableExistsSql { get; }

    /// <summary>The schema version of the store as it is, creating and changing nothing (0 when it has no <c>schema_version</c> table).</summary>
    public async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(SchemaVersionTableExistsSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (exists == 0)
            {
                return 0;
            }

            return (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                SchemaVersionSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The schema version the store is at (0 before the first migration).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                CreateSchemaVersionSql,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                SchemaVersionSql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<BatchHeader> AppendBatchAsync(NewBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
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
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
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
                    new { batch.Dataset, batchKey, header.BatchId, CreatedAt = ToDb(header.CreatedAt) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await SetDatasetStateAsync(connection, transaction, batch.Dataset, state.Watermark, header.Seq, cancellationToken).ConfigureAwait(false);
                await InsertAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return (header, false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<AckResult> AckAsync(string insurer, string dataset, long seq, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var lastSeq = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT last_seq FROM watermarks WHERE dataset = @dataset", new { dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
                var cursor = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    $"SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset{ForUpdate}", new { insurer, dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
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
                    new { insurer, dataset, seq, now = ToDb(TimeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await InsertAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return new AckResult(AckOutcome.Advanced, seq, lastSeq);
            }
        }
    }

    /// <inheritdoc />
    public async Task WriteAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await InsertAuditAsync(connection, null, entry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="audit"/>'s record in <paramref name="transaction"/> (nothing when null).</summary>
    private Task InsertAuditAsync(DbConnection connection, DbTransaction transaction, AuditRecord? audit, CancellationToken cancellationToken) =>
        audit is null ? Task.CompletedTask : InsertAuditAsync(connection, transaction, audit.Entry, cancellationToken);

    private Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, AuditEntry entry, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            InsertAuditSql,
            new { at = ToDb(entry.At), principal = entry.Principal, operation = entry.Operation, objectId = entry.ObjectId, outcome = entry.Outcome, remoteAddress = entry.RemoteAddress, calls = entry.Calls },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>Audit records from <paramref name="since"/> on, oldest first (for operators and tests).</summary>
    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        QueryAuditAsync("WHERE at >= @since ORDER BY audit_id LIMIT @max", new { since = ToDb(since), max }, cancellationToken);

    /// <summary>Audit records selected by <paramref name="whereOrderLimit"/> (the SQL after <c>FROM audit_log</c>).</summary>
    private Task<IReadOnlyList<AuditEntry>> QueryAuditAsync(string whereOrderLimit, object parameters, CancellationToken cancellationToken) =>
        QueryListAsync(
            "SELECT at, principal, operation, object_id, outcome, remote_address, calls FROM audit_log " + whereOrderLimit,
            parameters,
            reader => new AuditEntry(
                ReadTimestamp(reader, 0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6)),
            cancellationToken);

    /// <summary>Runs one query on its own connection and maps every row (the store's timestamps need <see cref="ReadTimestamp"/>, which Dapper cannot call).</summary>
    private async Task<IReadOnlyList<T>> QueryListAsync<T>(string sql, object? parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
    }

    private async Task<DatasetState> LockDatasetAsync(DbConnection connection, DbTransaction transaction, string dataset, CancellationToken cancellationToken)
    {
        // Insert-if-missing first, so the row exists to be locked even for a dataset's first batch.
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO watermarks (dataset, watermark, last_seq, updated_at) VALUES (@dataset, NULL, 0, @now) ON CONFLICT (dataset) DO NOTHING",
            new { dataset, now = ToDb(TimeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var row = await connection.QuerySingleAsync<(string? Watermark, long LastSeq)>(new CommandDefinition(
            $"SELECT watermark, last_seq FROM watermarks WHERE dataset = @dataset{ForUpdate}", new { dataset }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new DatasetState(dataset, row.Watermark, row.LastSeq);
    }

    private Task SetDatasetStateAsync(DbConnection connection, DbTransaction transaction, string dataset, string? watermark, long lastSeq, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE watermarks SET watermark = @watermark, last_seq = @lastSeq, updated_at = @now WHERE dataset = @dataset",
            new { dataset, watermark, lastSeq, now = ToDb(TimeProvider.GetUtcNow()) }, transaction, cancellationToken: cancellationToken));

    private async Task<BatchHeader> InsertBatchAsync(DbConnection connection, DbTransaction transaction, NewBatch batch, long seq, CancellationToken cancellationToken)
    {
        var createdAt = TimeProvider.GetUtcNow();
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
                CreatedAt = ToDb(createdAt),
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new BatchHeader(batchId, batch.Dataset, seq, batch.RowCount, createdAt, batch.Format, batch.Payload.Length, batch.Sha256);
    }

    private BatchHeader ReadHeader(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetInt32(3),
        ReadTimestamp(reader, 4),
        reader.GetString(5),
        reader.GetInt64(6),
        reader.GetString(7));
}
