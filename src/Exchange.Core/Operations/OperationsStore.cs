using System.Diagnostics;
using System.Globalization;
using Exchange.Core.Audit;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Exchange.Core.Security;
using Exchange.Core.Staging;

namespace Exchange.Core.Operations;

/// <summary>Operator reads and changes on the staging database: status figures, replay, retention and backup.</summary>
public sealed class OperationsStore(StagingDatabase database, TimeProvider timeProvider) : IOperationsStore
{
    // Rows (and batches, which carry their payloads) deleted per purge transaction; see DeleteInChunksAsync.
    internal const int PurgeChunkRows = 1_000;
    internal const int PurgeChunkBatches = 100;
    private static readonly TimeSpan MinPurgePause = TimeSpan.FromMilliseconds(25);

    // The operator status page runs these every few seconds; both read only columns of ix_batches_headers (sqlite 003).
    internal const string DatasetStatusSql = """
        SELECT w.dataset, w.watermark, w.last_seq,
               (SELECT MAX(b.created_at) FROM batches b WHERE b.dataset = w.dataset),
               (SELECT COUNT(*) FROM batches b WHERE b.dataset = w.dataset),
               (SELECT COUNT(*) FROM batches b WHERE b.dataset = w.dataset AND b.created_at >= @since),
               (SELECT COALESCE(SUM(b.row_count), 0) FROM batches b WHERE b.dataset = w.dataset AND b.created_at >= @since),
               w.schema_note
        FROM watermarks w ORDER BY w.dataset
        """;

    internal const string ExtractionActivitySql = "SELECT created_at, row_count FROM batches WHERE created_at >= @since AND origin = 0";

    /// <summary>How far back the audit log is searched for an insurer's last poll (the <c>at</c> index bounds the search).</summary>
    public static TimeSpan LastPollWindow { get; } = TimeSpan.FromDays(7);

    /// <inheritdoc />
    public Task<IReadOnlyList<DatasetStatus>> GetDatasetStatusAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        database.QueryAsync(
            DatasetStatusSql,
            reader => new DatasetStatus(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : database.ReadTimestamp(reader, 3),
                reader.GetInt64(4),
                reader.GetInt64(5),
                Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                reader.IsDBNull(7) ? null : reader.GetString(7)),
            cancellationToken,
            ("since", database.ToDb(since)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<InsurerBacklog>> GetInsurerBacklogAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> insurerDatasets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insurerDatasets);
        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var lastSeq = (await session.QueryAsync(
                "SELECT dataset, last_seq FROM watermarks", null, reader => (Dataset: reader.GetString(0), LastSeq: reader.GetInt64(1)), cancellationToken).ConfigureAwait(false))
                .ToDictionary(r => r.Dataset, r => r.LastSeq, StringComparer.Ordinal);
            var cursors = await ReadCursorsAsync(session, cancellationToken).ConfigureAwait(false);

            // One index seek per insurer (ix_audit_log_last_poll), not a scan of the audit log.
            var lastPoll = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var since = database.ToDb(timeProvider.GetUtcNow() - LastPollWindow);
            foreach (var principal in insurerDatasets.Keys)
            {
                var polls = await session.QueryAsync(
                    "SELECT MAX(at) FROM audit_log WHERE principal = @principal AND operation = 'Poll' AND outcome = 'ok' AND at >= @since",
                    null,
                    reader => reader.IsDBNull(0) ? (DateTimeOffset?)null : database.ReadTimestamp(reader, 0),
                    cancellationToken,
                    ("principal", principal),
                    ("since", since)).ConfigureAwait(false);
                if (polls is [{ } at])
                {
                    lastPoll[principal] = at;
                }
            }

            return [.. insurerDatasets
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .SelectMany(p => p.Value.Order(StringComparer.Ordinal).Select(dataset => new InsurerBacklog(
                    p.Key,
                    dataset,
                    cursors.GetValueOrDefault((p.Key, dataset)),
                    lastSeq.GetValueOrDefault(dataset),
                    lastPoll.TryGetValue(p.Key, out var at) ? at : null)))];
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<RequestStatus, long>> GetRequestCountsAsync(CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT status, COUNT(*) FROM requests GROUP BY status",
            reader => (Status: reader.GetString(0), Count: reader.GetInt64(1)),
            cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => Enum.Parse<RequestStatus>(r.Status), r => r.Count);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LoadSample>> GetLatestLoadSamplesAsync(CancellationToken cancellationToken) =>
        ReadLoadSamplesAsync(
            $"SELECT {LoadSampleStore.Columns} FROM load_samples WHERE sample_id IN (SELECT MAX(sample_id) FROM load_samples GROUP BY source, probe) ORDER BY sample_id DESC",
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LoadSample>> GetLoadSamplesAsync(DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        ReadLoadSamplesAsync(
            $"SELECT {LoadSampleStore.Columns} FROM load_samples WHERE at >= @since ORDER BY at, sample_id LIMIT @max",
            cancellationToken,
            ("since", database.ToDb(since)),
            ("max", max));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityBucket>> GetExtractionActivityAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Bucketed here rather than in SQL: minute truncation differs per dialect, and the window is hours, not months.
        var batches = await database.QueryAsync(
            ExtractionActivitySql,
            reader => (At: database.ReadTimestamp(reader, 0), Rows: reader.GetInt32(1)),
            cancellationToken,
            ("since", database.ToDb(since))).ConfigureAwait(false);
        var buckets = new SortedDictionary<DateTimeOffset, (long Batches, long Rows)>();
        foreach (var (at, rowCount) in batches)
        {
            var minute = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
            var (count, rows) = buckets.GetValueOrDefault(minute);
            buckets[minute] = (count + 1, rows + rowCount);
        }

        return [.. buckets.Select(b => new ActivityBucket(b.Key, b.Value.Batches, b.Value.Rows))];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditEntry>> GetRecentFailuresAsync(int max, CancellationToken cancellationToken) =>
        AuditRows.QueryAsync(database, "WHERE outcome <> 'ok' ORDER BY audit_id DESC LIMIT @max", cancellationToken, ("max", max));

    /// <inheritdoc />
    public Task<ReplayResult> ReplayAsync(string insurer, string dataset, long fromSeq, string operatorName, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                var (lastSeq, acked) = await BatchStore.LockCursorAsync(session, transaction, database, insurer, dataset, cancellationToken).ConfigureAwait(false);
                if (fromSeq < 1 || fromSeq > acked)
                {
                    throw new ReplayRefusedException(acked == 0
                        ? $"Insurer '{insurer}' has acknowledged nothing in dataset '{dataset}' (last batch {lastSeq}): every batch is still delivered, there is nothing to replay."
                        : $"--from-seq must be between 1 and {acked} (the last batch insurer '{insurer}' acknowledged in dataset '{dataset}'), was {fromSeq}.");
                }

                var oldest = await session.ScalarAsync<long?>(
                    "SELECT MIN(seq) FROM batches WHERE dataset = @dataset", transaction, cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
                if (oldest is null || fromSeq < oldest)
                {
                    throw new ReplayRefusedException(oldest is null
                        ? $"Dataset '{dataset}' has no stored batches left (retention removed them); nothing can be replayed."
                        : $"Batch {fromSeq} of dataset '{dataset}' was removed by retention; the oldest stored is {oldest}. Use --from-seq {oldest} or higher.");
                }

                var now = timeProvider.GetUtcNow();
                await session.ExecuteAsync(
                    "UPDATE cursors SET acked_seq = @acked, updated_at = @now WHERE insurer = @insurer AND dataset = @dataset",
                    transaction,
                    cancellationToken,
                    ("insurer", insurer),
                    ("dataset", dataset),
                    ("acked", fromSeq - 1),
                    ("now", database.ToDb(now))).ConfigureAwait(false);
                var entry = new AuditEntry(now, operatorName, "Replay", $"{insurer}/{dataset} from {fromSeq} (acked {acked} -> {fromSeq - 1})", "ok", null);
                await AuditRows.InsertAsync(session, transaction, entry, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ReplayResult(insurer, dataset, acked, fromSeq - 1, lastSeq);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<(string? Before, string After, bool KeysForgotten)> ResetWatermarkAsync(string dataset, Func<string?, string> moveBack, string operatorName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moveBack);
        return database.WriteAsync<(string?, string, bool)>(
            async (session, transaction) =>
            {
                var rows = await session.QueryAsync(
                    $"SELECT watermark, schema_note FROM watermarks WHERE dataset = @dataset{database.ForUpdate}",
                    transaction, reader => (Watermark: reader.IsDBNull(0) ? null : reader.GetString(0), Note: reader.IsDBNull(1) ? null : reader.GetString(1)),
                    cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
                var before = rows.Count == 0 ? null : rows[0].Watermark;
                var after = moveBack(before);
                var now = timeProvider.GetUtcNow();
                await session.ExecuteAsync(
                    "UPDATE watermarks SET watermark = @watermark, source_columns = NULL, schema_note = NULL, updated_at = @now WHERE dataset = @dataset",
                    transaction, cancellationToken, ("dataset", dataset), ("watermark", after), ("now", database.ToDb(now))).ConfigureAwait(false);

                // Keys of the old key column type would never be found at the source again: forget them (see the interface).
                var forgetKeys = rows.Count > 0 && Extraction.SchemaDrift.StoppedForKeyColumn(rows[0].Note);
                if (forgetKeys)
                {
                    await session.ExecuteAsync("DELETE FROM key_reconciliation WHERE dataset = @dataset", transaction, cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
                    await session.ExecuteAsync("DELETE FROM staged_keys WHERE dataset = @dataset", transaction, cancellationToken, ("dataset", dataset)).ConfigureAwait(false);
                }

                var forgotten = forgetKeys ? "; key index forgotten (key column changed)" : string.Empty;
                var entry = new AuditEntry(now, operatorName, "ResetWatermark", IdentityNumber.MaskWithin($"{dataset}: {before} -> {after}{forgotten}"), "ok", null);
                await AuditRows.InsertAsync(session, transaction, entry, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (before, after, forgetKeys);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                await AuditRows.InsertAsync(session, transaction, entry, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<PurgeResult> PurgeAsync(RetentionPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var datasets = await session.QueryAsync("SELECT dataset FROM watermarks", null, reader => reader.GetString(0), cancellationToken).ConfigureAwait(false);
            var cursors = await ReadCursorsAsync(session, cancellationToken).ConfigureAwait(false);
            var byDataset = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var dataset in datasets)
            {
                var readers = policy.InsurerDatasets.Where(p => p.Value.Contains(dataset, StringComparer.Ordinal)).Select(p => p.Key).ToList();
                if (readers.Count == 0)
                {
                    continue;
                }

                // Acknowledged by every insurer allowed to see it: at or below the lowest of their cursors (no cursor is 0).
                var ackedByAll = readers.Min(insurer => cursors.GetValueOrDefault((insurer, dataset)));
                if (ackedByAll < 1)
                {
                    continue;
                }

                var removed = await DeleteInChunksAsync(session,
                    "SELECT batch_id FROM batches WHERE dataset = @dataset AND seq <= @ackedByAll AND created_at < @before ORDER BY seq",
                    ["DELETE FROM push_keys WHERE batch_id IN ({0})", "DELETE FROM batches WHERE batch_id IN ({0})"],
                    PurgeChunkBatches, cancellationToken, ("dataset", dataset), ("ackedByAll", ackedByAll), ("before", database.ToDb(policy.BatchesBefore))).ConfigureAwait(false);
                if (removed[1] > 0)
                {
                    byDataset[dataset] = removed[1];
                }
            }

            var requests = await DeleteInChunksAsync(session,
                "SELECT request_id FROM requests WHERE status IN ('Completed', 'Failed', 'Expired') AND updated_at < @before ORDER BY request_id",
                ["DELETE FROM responses WHERE request_id IN ({0})", "DELETE FROM requests WHERE request_id IN ({0})"],
                PurgeChunkRows, cancellationToken, ("before", database.ToDb(policy.RequestsBefore))).ConfigureAwait(false);
            var audit = await DeleteInChunksAsync(session,
                "SELECT audit_id FROM audit_log WHERE at < @before ORDER BY at, audit_id",
                ["DELETE FROM audit_log WHERE audit_id IN ({0})"],
                PurgeChunkRows, cancellationToken, ("before", database.ToDb(policy.AuditBefore))).ConfigureAwait(false);
            var samples = await DeleteInChunksAsync(session,
                "SELECT sample_id FROM load_samples WHERE at < @before ORDER BY at, sample_id",
                ["DELETE FROM load_samples WHERE sample_id IN ({0})"],
                PurgeChunkRows, cancellationToken, ("before", database.ToDb(policy.LoadSamplesBefore))).ConfigureAwait(false);
            return new PurgeResult(byDataset, requests[1], requests[0], audit[0], samples[0]);
        }
    }

    /// <inheritdoc />
    public Task WriteHeartbeatAsync(NodeIdentity node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        return database.WriteAsync(
            async (session, transaction) =>
            {
                await session.ExecuteAsync(
                    """
                    INSERT INTO node_heartbeats (node, address, checked_at) VALUES (@node, @address, @now)
                    ON CONFLICT (node) DO UPDATE SET address = excluded.address, checked_at = excluded.checked_at
                    """,
                    transaction,
                    cancellationToken,
                    ("node", node.Name), ("address", node.Address), ("now", database.ToDb(timeProvider.GetUtcNow()))).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<NodeHeartbeat>> GetNodesAsync(CancellationToken cancellationToken)
    {
        var heartbeats = await database.QueryAsync(
            "SELECT node, address, checked_at FROM node_heartbeats ORDER BY node",
            reader => (Node: reader.GetString(0), Address: reader.GetString(1), At: database.ReadTimestamp(reader, 2)),
            cancellationToken).ConfigureAwait(false);
        if (!database.HasClusterScheduler)
        {
            return [.. heartbeats.Select(h => new NodeHeartbeat(h.Node, h.Address, h.At, null, []))];
        }

        // Quartz keeps times as .NET ticks (UTC); the scheduler id of a node is its name.
        var checkIns = (await database.QueryAsync(
            "SELECT instance_name, last_checkin_time FROM qrtz_scheduler_state",
            reader => (Node: reader.GetString(0), At: new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero)),
            cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Node, c => c.At, StringComparer.Ordinal);
        var running = (await database.QueryAsync(
            "SELECT instance_name, job_name FROM qrtz_fired_triggers WHERE state = 'EXECUTING' ORDER BY job_name",
            reader => (Node: reader.GetString(0), Job: reader.GetString(1)),
            cancellationToken).ConfigureAwait(false)).ToLookup(r => r.Node, r => r.Job, StringComparer.Ordinal);
        return [.. heartbeats.Select(h => new NodeHeartbeat(h.Node, h.Address, h.At, checkIns.TryGetValue(h.Node, out var at) ? at : null, [.. running[h.Node]]))];
    }

    /// <inheritdoc />
    public async Task<int> CountFiredTriggersAsync(string node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!database.HasClusterScheduler)
        {
            return 0;
        }

        var count = await database.QueryAsync(
            "SELECT count(*) FROM qrtz_fired_triggers WHERE instance_name = @node",
            reader => reader.GetInt64(0),
            cancellationToken,
            ("node", node)).ConfigureAwait(false);
        return (int)count[0];
    }

    /// <inheritdoc />
    public Task BackupAsync(string path, CancellationToken cancellationToken) => database.BackupAsync(path, cancellationToken);

    private static async Task<Dictionary<(string Insurer, string Dataset), long>> ReadCursorsAsync(StagingSession session, CancellationToken cancellationToken) =>
        (await session.QueryAsync(
            "SELECT insurer, dataset, acked_seq FROM cursors",
            null,
            reader => (Insurer: reader.GetString(0), Dataset: reader.GetString(1), AckedSeq: reader.GetInt64(2)),
            cancellationToken).ConfigureAwait(false))
        .ToDictionary(r => (r.Insurer, r.Dataset), r => r.AckedSeq);

    private Task<IReadOnlyList<LoadSample>> ReadLoadSamplesAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryAsync(sql, reader => LoadSampleStore.Read(reader, database), cancellationToken, parameters);

    /// <summary>
    /// Deletes the rows whose keys <paramref name="selectKeys"/> finds, at most <paramref name="chunk"/> per write transaction,
    /// and returns the rows each of <paramref name="deletes"/> removed in all. Each delete names the keys as <c>{0}</c>;
    /// the key query orders by a unique column, so within one transaction every statement sees the same chunk.
    /// </summary>
    /// <remarks>
    /// SQLite has one write lock: one transaction for a whole purge (200,000 audit rows) held it for seconds, and every SOAP
    /// call that audits or acknowledges waited that long. A chunk holds it for milliseconds; after each the purge pauses
    /// as long as the chunk took and at least 25 ms, the longest SQLite's busy handler sleeps between tries during a
    /// writer's first 100 ms of waiting, so a waiting writer wakes to a free lock instead of finding the next chunk.
    /// </remarks>
    private async Task<long[]> DeleteInChunksAsync(
        StagingSession session, string selectKeys, string[] deletes, int chunk, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        (string Name, object? Value)[] arguments = [.. parameters, ("max", chunk)];
        var keys = selectKeys + database.Limit(chunk);
        var statements = deletes.Select(d => string.Format(CultureInfo.InvariantCulture, d, keys)).ToArray();
        var totals = new long[deletes.Length];
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            long last = 0;
            var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                for (var i = 0; i < statements.Length; i++)
                {
                    last = await session.ExecuteAsync(statements[i], transaction, cancellationToken, arguments).ConfigureAwait(false);
                    totals[i] += last;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // The last statement deletes the rows the keys come from: fewer than a chunk means none are left.
            if (last < chunk)
            {
                return totals;
            }

            var took = Stopwatch.GetElapsedTime(started);
            await Task.Delay(took < MinPurgePause ? MinPurgePause : took, cancellationToken).ConfigureAwait(false);
        }
    }
}
