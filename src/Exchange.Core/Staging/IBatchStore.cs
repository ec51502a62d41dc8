using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>
/// The batches of the staging store on the front-end machine: batches, dataset watermarks and insurer cursors.
/// Implemented by <see cref="BatchStore"/> on SQLite and PostgreSQL.
/// </summary>
public interface IBatchStore
{
    /// <summary>The dataset's watermark and last sequence number (null watermark, 0 when nothing was stored yet).</summary>
    Task<DatasetState> GetDatasetStateAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a batch with the next sequence number of its dataset and, in the same transaction, moves the
    /// dataset's watermark from <see cref="NewBatch.WatermarkFrom"/> to <see cref="NewBatch.WatermarkTo"/>.
    /// </summary>
    /// <remarks>
    /// A <see cref="BatchOrigin.Backfill"/> batch is appended without checking or moving the watermark: its watermarks
    /// are the range it re-read.
    /// </remarks>
    /// <exception cref="WatermarkConflictException">The stored watermark is not <see cref="NewBatch.WatermarkFrom"/>
    /// (another writer moved it); nothing was written.</exception>
    Task<BatchHeader> AppendBatchAsync(NewBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// Records the source columns a dataset is extracted with (null keeps the stored ones) and the note the status page
    /// shows about them (null clears it).
    /// </summary>
    Task RecordSchemaAsync(string dataset, string? sourceColumns, string? note, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a pushed batch once per <paramref name="batchKey"/>: a repeated key returns the first batch's header
    /// and <c>Duplicate = true</c> without storing anything.
    /// </summary>
    Task<(BatchHeader Header, bool Duplicate)> AppendPushedBatchAsync(NewBatch batch, string batchKey, CancellationToken cancellationToken, AuditRecord? audit = null);

    /// <summary>A batch with its payload, or null when there is no batch with that id.</summary>
    Task<StoredBatch?> GetBatchAsync(long batchId, CancellationToken cancellationToken);

    /// <summary>
    /// The headers of the dataset's batches after the insurer's cursor (what it has not acknowledged), in <c>Seq</c> order,
    /// at most <paramref name="max"/>; cursor and batches are read in one statement.
    /// </summary>
    Task<IReadOnlyList<BatchHeader>> GetUnacknowledgedHeadersAsync(string insurer, string dataset, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the insurer's cursor in the dataset forward to <paramref name="seq"/> (acknowledging every batch up to it).
    /// Never moves a cursor back, never past the dataset's last batch.
    /// </summary>
    Task<AckResult> AckAsync(string insurer, string dataset, long seq, CancellationToken cancellationToken, AuditRecord? audit = null);
}
