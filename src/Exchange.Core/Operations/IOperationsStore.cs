using Exchange.Core.Load;
using Exchange.Core.Requests;

namespace Exchange.Core.Operations;

/// <summary>
/// What operators read and change in the staging store: status figures, cursor replay, retention and backup.
/// Implemented by <see cref="OperationsStore"/> for SQLite and PostgreSQL.
/// </summary>
public interface IOperationsStore
{
    /// <summary>Every dataset with a watermark row: watermark, last batch, and batches and rows stored since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<DatasetStatus>> GetDatasetStatusAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Per insurer and dataset it may see: acknowledged sequence number, dataset's last sequence number (backlog is the difference),
    /// and the insurer's last <c>Poll</c> from the audit log.
    /// </summary>
    Task<IReadOnlyList<InsurerBacklog>> GetInsurerBacklogAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> insurerDatasets, CancellationToken cancellationToken);

    /// <summary>Number of requests per status (every status present in the table).</summary>
    Task<IReadOnlyDictionary<RequestStatus, long>> GetRequestCountsAsync(CancellationToken cancellationToken);

    /// <summary>The latest probe reading per source and probe (the gate's last recorded state), newest first.</summary>
    Task<IReadOnlyList<LoadSample>> GetLatestLoadSamplesAsync(CancellationToken cancellationToken);

    /// <summary>Probe readings since <paramref name="since"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<LoadSample>> GetLoadSamplesAsync(DateTimeOffset since, int max, CancellationToken cancellationToken);

    /// <summary>Batches and rows stored per minute since <paramref name="since"/>, oldest minute first (minutes without batches are left out).</summary>
    Task<IReadOnlyList<ActivityBucket>> GetExtractionActivityAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The newest audit rows whose outcome is not <c>ok</c>, newest first.</summary>
    Task<IReadOnlyList<Staging.AuditEntry>> GetRecentFailuresAsync(int max, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an insurer's cursor back so batches from <paramref name="fromSeq"/> on are delivered again, and writes an audit
    /// row in the same transaction.
    /// </summary>
    /// <exception cref="ReplayRefusedException">The sequence number is outside 1 … the cursor (nothing changed).</exception>
    Task<ReplayResult> ReplayAsync(string insurer, string dataset, long fromSeq, string operatorName, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a dataset's watermark to what <paramref name="moveBack"/> makes of the stored one, forgets the source columns
    /// recorded for it (its next run records them anew, which also ends a stop for a changed key column), and audits it as
    /// <c>ResetWatermark</c> by <paramref name="operatorName"/>, in one transaction. When the dataset is stopped because its key
    /// column is missing or changed type (<see cref="Extraction.SchemaDrift.StoppedForKeyColumn"/>), the same transaction also
    /// forgets its key index and reconciliation pass: the keys extracted from now on are written differently, and a pass
    /// judging the old ones would tombstone every row insurers hold. Returns the watermark before and after, and whether
    /// the key index was forgotten (deletions of rows not extracted again are then not found until they are staged again).
    /// </summary>
    /// <exception cref="Extraction.WatermarkResetRefusedException">Thrown by <paramref name="moveBack"/>; nothing changed.</exception>
    Task<(string? Before, string After, bool KeysForgotten)> ResetWatermarkAsync(string dataset, Func<string?, string> moveBack, string operatorName, CancellationToken cancellationToken);

    /// <summary>Records an operator's command in the audit log.</summary>
    Task AuditAsync(Staging.AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Applies the retention policy now and returns what was removed.</summary>
    Task<PurgeResult> PurgeAsync(RetentionPolicy policy, CancellationToken cancellationToken);

    /// <summary>
    /// Writes and commits this node's heartbeat row (name, address, now): throws when the store cannot be written, a full
    /// disk included, which a write that changes nothing would not notice.
    /// </summary>
    Task WriteHeartbeatAsync(NodeIdentity node, CancellationToken cancellationToken);

    /// <summary>The nodes that wrote a heartbeat, by name, with when each last wrote.</summary>
    Task<IReadOnlyList<NodeHeartbeat>> GetNodesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// How many triggers the clustered scheduler holds for <paramref name="node"/> (acquired or executing, in
    /// <c>qrtz_fired_triggers</c>): work a dead instance of the node left. 0 without clustered scheduling.
    /// </summary>
    Task<int> CountFiredTriggersAsync(string node, CancellationToken cancellationToken);

    /// <summary>Writes a consistent copy of the store to <paramref name="path"/> while it stays in use (SQLite online backup).</summary>
    /// <exception cref="NotSupportedException">The store cannot back itself up (PostgreSQL: use pg_dump).</exception>
    Task BackupAsync(string path, CancellationToken cancellationToken);
}
