namespace Exchange.Core.Staging;

/// <summary>Where a batch came from.</summary>
public enum BatchOrigin
{
    /// <summary>Read from a source by an extraction job.</summary>
    Extracted = 0,

    /// <summary>Pushed by the social-security side through <c>PushBatch</c>.</summary>
    Pushed = 1,

    /// <summary>Read again from a source by <c>exchange backfill</c>; it does not move the dataset's watermark.</summary>
    Backfill = 2,

    /// <summary>Tombstones of staged keys that reconciliation found deleted at the source.</summary>
    Reconciled = 3,
}

/// <summary>The header of a stored batch, as insurers see it (wire element <c>BatchHeader</c>).</summary>
public sealed record BatchHeader(
    long BatchId,
    string Dataset,
    long Seq,
    int RowCount,
    DateTimeOffset CreatedAt,
    string Format,
    long SizeBytes,
    string Sha256);

/// <summary>A batch with its payload.</summary>
public sealed record StoredBatch(BatchHeader Header, byte[] Payload);

/// <summary>A batch about to be appended to a dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="RowCount">Rows in the payload.</param>
/// <param name="Format">Payload format, <c>jsonl+gzip</c>.</param>
/// <param name="Payload">The gzip of the UTF-8 JSON Lines.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the uncompressed payload.</param>
/// <param name="WatermarkFrom">Watermark before this batch (opaque text), null for the first.</param>
/// <param name="WatermarkTo">Watermark after this batch (opaque text).</param>
/// <param name="Origin">Extracted, pushed, backfilled or reconciled.</param>
/// <param name="Keys">What the batch changes in the dataset's key index (<c>"Deletes": "Reconcile"</c>), in its transaction; null for nothing.</param>
public sealed record NewBatch(
    string Dataset,
    int RowCount,
    string Format,
    byte[] Payload,
    string Sha256,
    string? WatermarkFrom,
    string? WatermarkTo,
    BatchOrigin Origin,
    KeyIndexChange? Keys = null);

/// <summary>What a batch changes in its dataset's key index.</summary>
/// <param name="Staged">The keys (JSON values) the batch stages as upserts: added, or marked as staged by this batch.</param>
/// <param name="Removed">The key ids the batch tombstones: removed from the index.</param>
/// <param name="RemovedStagedUpTo">A removed key must not have been staged after this sequence number (else the batch is refused).</param>
public sealed record KeyIndexChange(IReadOnlyList<string>? Staged = null, IReadOnlyList<long>? Removed = null, long RemovedStagedUpTo = 0);

/// <summary>What an acknowledgement did.</summary>
public enum AckOutcome
{
    /// <summary>The cursor moved forward to the acknowledged sequence number.</summary>
    Advanced = 0,

    /// <summary>The sequence number was at or below the cursor already: nothing changed.</summary>
    AlreadyAcknowledged = 1,

    /// <summary>The sequence number is beyond the dataset's last batch: nothing changed.</summary>
    OutOfRange = 2,
}

/// <summary>The result of an acknowledgement: the outcome, the cursor after it, and the dataset's last sequence number.</summary>
public sealed record AckResult(AckOutcome Outcome, long AckedSeq, long LastSeq);

/// <summary>
/// One audit record (等保 2.0): who did what to which object, and how it ended. <see cref="Calls"/> is 1 for an
/// authenticated call; a record of unauthenticated or malformed calls counts all such calls from one address with one
/// outcome in one minute.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string Principal,
    string Operation,
    string? ObjectId,
    string Outcome,
    string? RemoteAddress,
    int Calls = 1);

/// <summary>The watermark of a dataset and the sequence number of its last batch.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Watermark">The watermark text, null before the first batch (or after a reset to the beginning).</param>
/// <param name="LastSeq">Sequence number of the dataset's last batch.</param>
/// <param name="SourceColumns">The source columns (names and types) the dataset was last extracted with, as text; null before the first run.</param>
/// <param name="SchemaNote">The last change seen in those columns, or why the dataset is stopped; null when none.</param>
public sealed record DatasetState(string Dataset, string? Watermark, long LastSeq, string? SourceColumns = null, string? SchemaNote = null);
