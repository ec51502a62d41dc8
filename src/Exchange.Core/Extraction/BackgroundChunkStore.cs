using System.Diagnostics;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Extraction;

/// <summary>
/// Finishes (gzip, SHA-256) and stores a fully read chunk on a background task, so the next chunk is read while this
/// one is committed; the store moves the dataset's watermark in the same transaction as the batch.
/// </summary>
internal sealed partial class BackgroundChunkStore(IBatchStore store, ChunkStoreRetry storeRetry, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>
    /// Finishes and stores a fully read chunk on a background task; the returned batch must be settled (awaited). With
    /// <paramref name="indexKey"/> (the payload's key field of a dataset with <c>"Deletes": "Reconcile"</c>) the batch also
    /// writes its keys to the dataset's key index.
    /// </summary>
    /// <remarks>The store has the run's token only: a hibernation does not stop it, a cancelled run rolls it back.</remarks>
    public PendingBatch Start(ReadChunk chunk, string dataset, string? watermarkFrom, long started, string? indexKey, CancellationToken cancellationToken, BatchOrigin origin = BatchOrigin.Extracted)
    {
        var rows = chunk.Rows;
        var watermarkTo = chunk.WatermarkTo;
        var writer = chunk.Release();

        // CancellationToken.None: the task must run even if the run is cancelled already, so that it disposes the writer.
        var storing = Task.Run(() => StoreAsync(writer, dataset, rows, watermarkFrom, watermarkTo, started, indexKey, origin, cancellationToken), CancellationToken.None);
        return new PendingBatch(storing, rows, watermarkTo);
    }

    private async Task<BatchHeader> StoreAsync(
        JsonLinesPayloadWriter writer, string dataset, int rows, string? watermarkFrom, string watermarkTo, long started, string? indexKey, BatchOrigin origin, CancellationToken cancellationToken)
    {
        Payload payload;
        using (writer)
        {
            payload = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        Debug.Assert(payload.RowCount == rows, "the writer took no rows after the chunk was read");
        var keys = indexKey is null ? null : new KeyIndexChange(Staged: Deletes.PayloadKeys.Read(payload.Gzip, indexKey));
        var batch = new NewBatch(dataset, payload.RowCount, JsonLinesPayloadWriter.Format, payload.Gzip, payload.Sha256, watermarkFrom, watermarkTo, origin, keys);
        var header = await storeRetry.StoreAsync(
            dataset, watermarkFrom, token => new ValueTask<BatchHeader>(store.AppendBatchAsync(batch, token)), cancellationToken).ConfigureAwait(false);
        var elapsed = timeProvider.GetElapsedTime(started);
        LogChunkStored(logger, dataset, header.Seq, payload.RowCount, payload.Gzip.LongLength, elapsed.TotalMilliseconds);
        Diagnostics.ExchangeMetrics.Instance.BatchStored(dataset, payload.RowCount, elapsed);
        return header;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Dataset {Dataset}: batch {Seq} stored, {Rows} rows, {Bytes} bytes compressed, {ElapsedMs:F0} ms")]
    private static partial void LogChunkStored(ILogger logger, string dataset, long seq, int rows, long bytes, double elapsedMs);
}

/// <summary>A chunk being finished and stored in the background.</summary>
/// <param name="Store">The store; it must always be awaited.</param>
/// <param name="Rows">Rows in the chunk.</param>
/// <param name="WatermarkTo">The watermark the batch moves the dataset to.</param>
internal sealed record PendingBatch(Task<BatchHeader> Store, int Rows, string WatermarkTo);

