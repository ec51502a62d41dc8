using System.Collections;
using System.Data.Common;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Deletes;

/// <summary>
/// Finds the rows deleted at the source of a dataset with <c>"Deletes": "Reconcile"</c>: walks the source table's keys in
/// keyset chunks (the key column only, each chunk after a gate check, sized to the dataset's chunk time like extraction),
/// marks the staged keys it finds, and stages a tombstone batch for the staged keys it did not find.
/// </summary>
/// <remarks>
/// A pass judges the keys indexed when it began and staged by a batch up to then. It may span several runs: a run that
/// stops at a closed gate saves where the walk stands and which keys it found, and the next run goes on from there. Keys
/// staged meanwhile (new, or staged again after an update) are left to the next pass, and a tombstone batch removes its
/// keys from the index only if none was staged again, so a row deleted and inserted again is never tombstoned after its
/// new upsert. The caller runs it in the dataset's extraction job, so it never overlaps an extraction of the dataset.
/// </remarks>
public sealed partial class DeleteReconciler(
    IBatchStore batches,
    IKeyIndexStore keys,
    ILoadGate gate,
    SourceConnector sources,
    ChunkStoreRetry storeRetry,
    TimeProvider timeProvider,
    ILogger<DeleteReconciler> logger)
{
    private readonly SourceChunkReader _reader = new(sources);

    /// <summary>Staged keys judged per read of the index, and most tombstones per batch.</summary>
    internal const int PageKeys = 20_000;

    /// <summary>Runs or goes on with the dataset's pass when one is due (<see cref="ReconcileSchedule.IsDue"/>); null when none is.</summary>
    /// <exception cref="OperationCanceledException">The run was cancelled; tombstone batches stored before stay stored.</exception>
    public async Task<ReconcileResult?> RunIfDueAsync(DatasetOptions dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!DeleteModes.IsReconcile(dataset.Deletes) || string.IsNullOrWhiteSpace(dataset.Table))
        {
            return null;
        }

        var pass = await keys.GetPassAsync(dataset.Name, cancellationToken).ConfigureAwait(false);
        return ReconcileSchedule.IsDue(pass, timeProvider.GetUtcNow(), dataset.ReconcileEvery) && storeRetry.Resting(dataset.Name) is null
            ? await RunAsync(dataset, pass is { FinishedAt: null } ? pass : null, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>Goes on with <paramref name="pass"/>, or starts a new pass when it is null, until it ends or the gate closes.</summary>
    public async Task<ReconcileResult> RunAsync(DatasetOptions dataset, ReconcilePass? pass, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var table = dataset.Table ?? throw new ArgumentException($"Dataset '{dataset.Name}' reconciles deletions, which needs Table (not Query).", nameof(dataset));
        pass ??= await keys.StartPassAsync(dataset.Name, cancellationToken).ConfigureAwait(false);
        var seen = ReconcileSchedule.Seen(pass);
        var after = pass.AfterKey is null ? null : KeyPosition.Parse(pass.AfterKey);
        var source = sources.Describe(dataset.Source);
        var keyName = KeysetQuery.ResultName(dataset.KeyColumn);
        LogPassRunning(logger, dataset.Name, pass.StartedAt, pass.AfterKey ?? "(start)");

        var chunkRows = dataset.ChunkRows;
        var walked = 0L;

        // Attended for the whole walk: with several nodes the gate samples a source only while a run attends it, and an
        // unattended walk would be judged on the extraction's last sample (unmeasured reads of the source).
        await using var attendance = gate.Attend(dataset.Source).ConfigureAwait(false);
        DbConnection? connection = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var decision = await gate.CheckAsync(dataset.Source, cancellationToken).ConfigureAwait(false);
                if (!decision.IsOpen)
                {
                    return await PauseAsync(dataset.Name, after, seen, walked, decision.Reason, cancellationToken).ConfigureAwait(false);
                }

                connection ??= await _reader.OpenAsync(source, cancellationToken).ConfigureAwait(false);
                var started = timeProvider.GetTimestamp();
                KeyChunk chunk;
                var hibernation = gate.HibernationToken(dataset.Source);
                using (var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hibernation))
                {
                    try
                    {
                        chunk = await ReadKeysAsync(connection, source, table, dataset.KeyColumn, after, chunkRows, read.Token).ConfigureAwait(false);
                    }
                    catch (Exception error) when (hibernation.IsCancellationRequested && !cancellationToken.IsCancellationRequested && error is OperationCanceledException or DbException)
                    {
                        return await PauseAsync(dataset.Name, after, seen, walked, "load gate started hibernating; the chunk in flight is read again", cancellationToken).ConfigureAwait(false);
                    }
                }

                if (chunk.Keys.Count > 0)
                {
                    ReconcileSchedule.Mark(seen, pass, await keys.FindAsync(dataset.Name, chunk.Keys, cancellationToken).ConfigureAwait(false));
                    after = chunk.Last;
                    walked += chunk.Keys.Count;
                }

                if (chunk.Keys.Count < chunkRows)
                {
                    break;
                }

                chunkRows = ChunkSizing.Next(chunkRows, chunk.Keys.Count, timeProvider.GetElapsedTime(started), dataset.TargetChunkTime, Math.Max(dataset.MaxChunkRows, 1));
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (await StageTombstonesAsync(dataset.Name, keyName, pass, seen, cancellationToken).ConfigureAwait(false) is not { } deleted)
        {
            // A key to tombstone was staged again meanwhile: the walk is kept, the next run judges the keys left again.
            return await PauseAsync(dataset.Name, after, seen, walked, "a key to tombstone was staged again meanwhile; the next run judges the keys again", cancellationToken).ConfigureAwait(false);
        }

        await keys.FinishPassAsync(dataset.Name, deleted, cancellationToken).ConfigureAwait(false);
        LogPassFinished(logger, dataset.Name, walked, deleted);
        return new ReconcileResult(dataset.Name, true, walked, deleted, "pass finished");
    }

    private async Task<ReconcileResult> PauseAsync(string dataset, object? after, BitArray seen, long walked, string reason, CancellationToken cancellationToken)
    {
        await keys.SaveProgressAsync(dataset, after is null ? null : KeyPosition.ToText(after), ReconcileSchedule.ToBytes(seen), cancellationToken).ConfigureAwait(false);
        LogPaused(logger, dataset, walked, reason);
        return new ReconcileResult(dataset, false, walked, 0, reason);
    }

    /// <summary>Reads one chunk of the source's keys, as the payload writer writes them, and the last key read.</summary>
    private static async Task<KeyChunk> ReadKeysAsync(
        DbConnection connection, SourceInfo source, string table, string keyColumn, object? after, int limit, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = KeysetQuery.BuildKeys(source.Dialect, table, keyColumn, after is not null, SqlDialects.RowLimitFor(source.Dialect, connection.ServerVersion));
        command.UseNamedParameters(source.Dialect);
        if (after is not null)
        {
            command.AddParameter(source.Dialect, KeysetQuery.KeyParameter, after);
        }

        command.AddParameter(source.Dialect, KeysetQuery.LimitParameter, limit);
        object? last = null;
        using var chunk = await SourceChunkReader.ReadRowsAsync(command, source, null, (_, writer) =>
        {
            last = writer.LastValue(0);
            return "";
        }, cancellationToken).ConfigureAwait(false);
        if (chunk is null)
        {
            return new KeyChunk([], after);
        }

        using var writer = chunk.Release();
        var payload = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new KeyChunk(PayloadKeys.Read(payload.Gzip, KeysetQuery.ResultName(keyColumn)), last);
    }

    /// <summary>
    /// Stages the judged keys the walk did not find as tombstone batches of up to <see cref="PageKeys"/>; returns how many,
    /// or null when a batch met a key staged again (the batches before it stay stored; their keys are judged no more).
    /// </summary>
    private async Task<long?> StageTombstonesAsync(string dataset, string keyName, ReconcilePass pass, BitArray seen, CancellationToken cancellationToken)
    {
        var deleted = 0L;
        var afterId = pass.FirstKeyId - 1;
        var gone = new List<StagedKey>();
        while (true)
        {
            var judged = await keys.ReadJudgedAsync(pass, afterId, PageKeys, cancellationToken).ConfigureAwait(false);
            if (judged.Count > 0)
            {
                afterId = judged[^1].KeyId;
                gone.AddRange(ReconcileSchedule.Deleted(seen, pass, judged));
            }

            if (gone.Count > 0 && (gone.Count >= PageKeys || judged.Count == 0))
            {
                if (!await StoreTombstonesAsync(dataset, keyName, pass, gone, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                deleted += gone.Count;
                gone.Clear();
            }

            if (judged.Count == 0)
            {
                return deleted;
            }
        }
    }

    /// <summary>Stores one tombstone batch; false (nothing stored) when one of its keys was staged again meanwhile.</summary>
    private async Task<bool> StoreTombstonesAsync(string dataset, string keyName, ReconcilePass pass, List<StagedKey> gone, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var payload = PayloadKeys.Tombstones(keyName, [.. gone.Select(k => k.KeyJson)]);
        var change = new KeyIndexChange(Removed: [.. gone.Select(k => k.KeyId)], RemovedStagedUpTo: pass.StartSeq);
        BatchHeader header;
        try
        {
            header = await storeRetry.StoreAsync(
                dataset,
                null,
                async token =>
                {
                    // The watermark stays where it is: a tombstone batch is ordered among the extracted ones by its sequence number only.
                    var state = await batches.GetDatasetStateAsync(dataset, token).ConfigureAwait(false);
                    return await batches.AppendBatchAsync(
                        new NewBatch(dataset, payload.RowCount, JsonLinesPayloadWriter.Format, payload.Gzip, payload.Sha256, state.Watermark, state.Watermark, BatchOrigin.Reconciled, change),
                        token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (KeyIndexConflictException conflict)
        {
            LogTombstoneConflict(logger, dataset, conflict.Message);
            return false;
        }

        Diagnostics.ExchangeMetrics.Instance.BatchStored(dataset, payload.RowCount, timeProvider.GetElapsedTime(started));
        LogTombstonesStored(logger, dataset, header.Seq, gone.Count);
        return true;
    }

    private sealed record KeyChunk(IReadOnlyList<string> Keys, object? Last);

    [LoggerMessage(EventId = 1130, Level = LogLevel.Debug, Message = "Dataset {Dataset}: reconciling deletions, pass begun {Started:u}, walking source keys after {After}")]
    private static partial void LogPassRunning(ILogger logger, string dataset, DateTimeOffset started, string after);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Debug, Message = "Dataset {Dataset}: reconciliation paused after {Keys} source keys this run ({Reason}); it goes on from there")]
    private static partial void LogPaused(ILogger logger, string dataset, long keys, string reason);

    [LoggerMessage(EventId = 1132, Level = LogLevel.Information, Message = "Dataset {Dataset}: batch {Seq} stored with {Count} tombstones of keys deleted at the source")]
    private static partial void LogTombstonesStored(ILogger logger, string dataset, long seq, int count);

    [LoggerMessage(EventId = 1134, Level = LogLevel.Information, Message = "Dataset {Dataset}: tombstones not stored: {Reason}")]
    private static partial void LogTombstoneConflict(ILogger logger, string dataset, string reason);

    [LoggerMessage(EventId = 1133, Level = LogLevel.Information, Message = "Dataset {Dataset}: reconciliation pass finished, {Keys} source keys walked this run, {Deleted} keys tombstoned")]
    private static partial void LogPassFinished(ILogger logger, string dataset, long keys, long deleted);
}

/// <summary>The outcome of one reconciliation run of a dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Finished">True when the pass ended (and its tombstones are staged); false when the gate paused it.</param>
/// <param name="KeysWalked">Source keys read this run.</param>
/// <param name="Deleted">Keys tombstoned this run.</param>
/// <param name="Detail">Why it stopped, for operators.</param>
public sealed record ReconcileResult(string Dataset, bool Finished, long KeysWalked, long Deleted, string Detail);
