namespace Exchange.Core.Extraction;

/// <summary>Why an extraction run stopped.</summary>
public enum ExtractionStopReason
{
    /// <summary>A chunk returned fewer rows than asked: everything up to the safety lag is staged.</summary>
    CaughtUp = 0,

    /// <summary>The load gate was not open before a chunk; the rest is read by a later run.</summary>
    GateClosed = 1,

    /// <summary>Another writer moved the dataset's watermark; this run's last chunk was not stored.</summary>
    WatermarkConflict = 2,

    /// <summary>Storing a chunk failed for good recently: the dataset rests (<see cref="ChunkStoreRetry"/>) and its source was not read.</summary>
    StoreFailing = 3,

    /// <summary>The run's plan holds the dataset (its standby is more than <c>MaxReplicaLag</c> behind); nothing was read.</summary>
    Held = 4,

    /// <summary>A watermark or key column is missing from the source or changed its type (<see cref="SchemaDrift"/>); nothing was read.</summary>
    SchemaChanged = 5,
}

/// <summary>The outcome of one extraction run of a dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Chunks">Batches stored.</param>
/// <param name="Rows">Rows stored.</param>
/// <param name="StopReason">Why the run stopped.</param>
/// <param name="Detail">The gate's reason or the conflict's message; a short text for operators.</param>
/// <param name="Watermark">The dataset's watermark text after the run (null when none was ever stored).</param>
public sealed record ExtractionResult(
    string Dataset,
    int Chunks,
    long Rows,
    ExtractionStopReason StopReason,
    string Detail,
    string? Watermark);
