namespace Exchange.Core.Deletes;

/// <summary>
/// The key index of the datasets with <c>"Deletes": "Reconcile"</c> and their reconciliation passes, in the staging store.
/// Batches write the index themselves (<see cref="Staging.NewBatch.Keys"/>); this store reads it and keeps the passes.
/// Implemented by <see cref="KeyIndexStore"/> on SQLite and PostgreSQL.
/// </summary>
public interface IKeyIndexStore
{
    /// <summary>The dataset's pass in progress or its last finished one; null before its first.</summary>
    Task<ReconcilePass?> GetPassAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>Begins a pass: it judges the keys indexed now and staged by the batches up to the dataset's last one.</summary>
    Task<ReconcilePass> StartPassAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>The ids of those of <paramref name="keys"/> (JSON values) that are in the dataset's index.</summary>
    Task<IReadOnlyList<long>> FindAsync(string dataset, IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Keeps how far the pass in progress walked the source and which keys it found there, for a later run to go on.</summary>
    Task SaveProgressAsync(string dataset, string? afterKey, byte[] seen, CancellationToken cancellationToken);

    /// <summary>
    /// The keys the pass judges (ids in its range, staged by a batch up to its start), after id <paramref name="afterKeyId"/>,
    /// in id order, at most <paramref name="max"/>.
    /// </summary>
    Task<IReadOnlyList<StagedKey>> ReadJudgedAsync(ReconcilePass pass, long afterKeyId, int max, CancellationToken cancellationToken);

    /// <summary>Ends the pass in progress, recording how many keys it tombstoned.</summary>
    Task FinishPassAsync(string dataset, long deleted, CancellationToken cancellationToken);

    /// <summary>Keys in the dataset's index.</summary>
    Task<long> CountAsync(string dataset, CancellationToken cancellationToken);
}

/// <summary>A reconciliation pass of one dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="StartedAt">When it began.</param>
/// <param name="StartSeq">The dataset's last batch when it began: keys staged later are left to the next pass.</param>
/// <param name="FirstKeyId">The lowest key id it judges.</param>
/// <param name="LastKeyId">The highest key id it judges (below <paramref name="FirstKeyId"/> when the index was empty).</param>
/// <param name="AfterKey">Where its walk of the source's keys goes on (<see cref="KeyPosition"/> text); null from the start.</param>
/// <param name="Seen">One bit per key id of the range, set when the walk found the key at the source; null before any.</param>
/// <param name="FinishedAt">When it ended; null while in progress.</param>
/// <param name="Deleted">Keys it tombstoned (once finished).</param>
public sealed record ReconcilePass(
    string Dataset, DateTimeOffset StartedAt, long StartSeq, long FirstKeyId, long LastKeyId, string? AfterKey, byte[]? Seen, DateTimeOffset? FinishedAt, long Deleted);

/// <summary>A key in a dataset's index: its id and its JSON value.</summary>
public sealed record StagedKey(long KeyId, string KeyJson);
