using System.Data.Common;
using Exchange.Core.Staging;

namespace Exchange.Core.Deletes;

/// <summary>The key index and the reconciliation passes on the staging database.</summary>
public sealed class KeyIndexStore(StagingDatabase database, TimeProvider timeProvider) : IKeyIndexStore
{
    private const string PassColumns = "dataset, started_at, start_seq, first_key_id, last_key_id, after_key, seen, finished_at, deleted";

    /// <inheritdoc />
    public async Task<ReconcilePass?> GetPassAsync(string dataset, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            $"SELECT {PassColumns} FROM key_reconciliation WHERE dataset = @dataset", ReadPass, cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<ReconcilePass> StartPassAsync(string dataset, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                var startSeq = await session.ScalarAsync<long?>(
                    "SELECT last_seq FROM watermarks WHERE dataset = @dataset", transaction, cancellationToken, ("dataset", dataset)).ConfigureAwait(false) ?? 0;
                var range = await session.QueryAsync(
                    "SELECT MIN(key_id), MAX(key_id) FROM staged_keys WHERE dataset = @dataset",
                    transaction,
                    reader => reader.IsDBNull(0) ? (First: 1L, Last: 0L) : (First: reader.GetInt64(0), Last: reader.GetInt64(1)),
                    cancellationToken,
                    ("dataset", dataset)).ConfigureAwait(false);
                var now = timeProvider.GetUtcNow();
                await session.ExecuteAsync(
                    """
                    INSERT INTO key_reconciliation (dataset, started_at, start_seq, first_key_id, last_key_id, after_key, seen, finished_at, deleted)
                    VALUES (@dataset, @now, @startSeq, @first, @last, NULL, NULL, NULL, 0)
                    ON CONFLICT (dataset) DO UPDATE SET started_at = excluded.started_at, start_seq = excluded.start_seq,
                        first_key_id = excluded.first_key_id, last_key_id = excluded.last_key_id, after_key = NULL, seen = NULL, finished_at = NULL, deleted = 0
                    """,
                    transaction, cancellationToken, ("dataset", dataset), ("now", database.ToDb(now)), ("startSeq", startSeq), ("first", range[0].First), ("last", range[0].Last)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ReconcilePass(dataset, now, startSeq, range[0].First, range[0].Last, null, null, null, 0);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> FindAsync(string dataset, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return database.QueryAsync(
            $"SELECT key_id FROM staged_keys WHERE dataset = @dataset AND key_json IN ({database.JsonTextValues("keys")})",
            reader => reader.GetInt64(0),
            cancellationToken,
            ("dataset", dataset),
            ("keys", KeyIndexRows.JsonList(keys)));
    }

    /// <inheritdoc />
    public Task SaveProgressAsync(string dataset, string? afterKey, byte[] seen, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                await session.ExecuteAsync(
                    "UPDATE key_reconciliation SET after_key = @afterKey, seen = @seen WHERE dataset = @dataset AND finished_at IS NULL",
                    transaction, cancellationToken, ("afterKey", afterKey), ("seen", seen), ("dataset", dataset)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<StagedKey>> ReadJudgedAsync(ReconcilePass pass, long afterKeyId, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pass);
        // "dataset || ''" keeps the planner on the key_id range: without statistics SQLite would take the (dataset, key_json)
        // index for "dataset = …" and sort all of the dataset's keys for every page.
        return database.QueryAsync(
            "SELECT key_id, key_json FROM staged_keys WHERE dataset || '' = @dataset AND key_id > @after AND key_id <= @last AND seq <= @startSeq ORDER BY key_id" + database.Limit(max),
            reader => new StagedKey(reader.GetInt64(0), reader.GetString(1)),
            cancellationToken,
            ("dataset", pass.Dataset),
            ("after", afterKeyId),
            ("last", pass.LastKeyId),
            ("startSeq", pass.StartSeq),
            ("max", max));
    }

    /// <inheritdoc />
    public Task FinishPassAsync(string dataset, long deleted, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                await session.ExecuteAsync(
                    "UPDATE key_reconciliation SET finished_at = @now, deleted = @deleted, seen = NULL WHERE dataset = @dataset AND finished_at IS NULL",
                    transaction, cancellationToken, ("now", database.ToDb(timeProvider.GetUtcNow())), ("deleted", deleted), ("dataset", dataset)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<long> CountAsync(string dataset, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT COUNT(*) FROM staged_keys WHERE dataset = @dataset", reader => reader.GetInt64(0), cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
        return rows[0];
    }

    private ReconcilePass ReadPass(DbDataReader reader) => new(
        reader.GetString(0),
        database.ReadTimestamp(reader, 1),
        reader.GetInt64(2),
        reader.GetInt64(3),
        reader.GetInt64(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.IsDBNull(6) ? null : (byte[])reader.GetValue(6),
        reader.IsDBNull(7) ? null : database.ReadTimestamp(reader, 7),
        reader.GetInt64(8));
}
