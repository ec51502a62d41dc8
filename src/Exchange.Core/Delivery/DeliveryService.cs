using Exchange.Core.Audit;
using Exchange.Core.Security;
using Exchange.Core.Staging;

namespace Exchange.Core.Delivery;

/// <summary>
/// Delivers staged batches to insurers: each insurer has its own cursor per dataset; unacknowledged batches are
/// delivered again, acknowledged ones never.
/// </summary>
public sealed class DeliveryService
{
    private readonly IStagingStore _store;
    private readonly int _maxBatchesPerPoll;

    /// <summary>Creates the service over <paramref name="store"/>; a poll returns at most <paramref name="maxBatchesPerPoll"/> batches (<c>Web:MaxBatchesPerPoll</c>).</summary>
    public DeliveryService(IStagingStore store, int maxBatchesPerPoll)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchesPerPoll, 1);
        _store = store;
        _maxBatchesPerPoll = maxBatchesPerPoll;
    }

    /// <summary>
    /// The headers of batches after the caller's cursors, in the datasets it may see or in <paramref name="dataset"/> only,
    /// ordered by dataset then sequence number, at most <paramref name="maxBatches"/> (capped by the service's <c>Web:MaxBatchesPerPoll</c>).
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a dataset the caller may not see or a non-insurer;
    /// <c>InvalidRequest</c> for a <paramref name="maxBatches"/> below 1.</exception>
    public async Task<PollResult> PollAsync(Principal principal, string? dataset, int? maxBatches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireInsurer(principal, "Poll");
        var cap = _maxBatchesPerPoll;
        if (maxBatches is < 1)
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, $"MaxBatches must be at least 1, was {maxBatches}; omit it to get up to {cap}.");
        }

        var limit = Math.Min(maxBatches ?? cap, cap);
        IReadOnlyList<string> datasets = dataset is null ? principal.OrderedDatasets : [RequireVisible(principal, dataset)];

        var batches = new List<BatchHeader>();
        var hasMore = false;
        foreach (var name in datasets)
        {
            var room = limit - batches.Count;
            if (room == 0)
            {
                // The answer is full; only whether this dataset has anything waiting matters now.
                if ((await _store.GetUnacknowledgedHeadersAsync(principal.Name, name, 1, cancellationToken).ConfigureAwait(false)).Count > 0)
                {
                    hasMore = true;
                    break;
                }

                continue;
            }

            // One more than there is room for tells whether the dataset has more waiting.
            var headers = await _store.GetUnacknowledgedHeadersAsync(principal.Name, name, room + 1, cancellationToken).ConfigureAwait(false);
            if (headers.Count > room)
            {
                batches.AddRange(headers.Take(room));
                hasMore = true;
                break;
            }

            batches.AddRange(headers);
        }

        var nextPoll = (int)Math.Ceiling(principal.MinPollInterval.TotalSeconds);
        return new PollResult(batches, hasMore, nextPoll, []);
    }

    /// <summary>A batch with its payload.</summary>
    /// <exception cref="ExchangeFaultException"><c>UnknownBatch</c> when there is no such batch or the caller may not see its dataset;
    /// <c>Forbidden</c> for a non-insurer.</exception>
    public async Task<StoredBatch> FetchBatchAsync(Principal principal, long batchId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireInsurer(principal, "FetchBatch");
        var batch = await _store.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false);

        // A batch of a dataset the caller may not see is answered exactly like a missing one, so that
        // an insurer cannot probe which batch ids exist in other insurers' datasets.
        if (batch is null || !principal.MaySee(batch.Header.Dataset))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.UnknownBatch,
                $"BatchId {batchId} is not a batch you can fetch; use a BatchId returned by Poll.");
        }

        return batch;
    }

    /// <summary>
    /// Acknowledges every batch of <paramref name="dataset"/> up to <paramref name="seq"/> for the caller. Acknowledging at or
    /// below the cursor changes nothing and returns the current cursor.
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a dataset the caller may not see or a non-insurer;
    /// <c>InvalidRequest</c> for a negative <paramref name="seq"/>; <c>AckOutOfRange</c> beyond the dataset's last batch.</exception>
    public async Task<AckResult> AckAsync(Principal principal, string dataset, long seq, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(dataset);
        RequireInsurer(principal, "Ack");
        RequireVisible(principal, dataset);
        if (seq < 0)
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, $"Seq must not be negative, was {seq}; acknowledge the Seq of a batch returned by Poll.");
        }

        var result = await _store.AckAsync(principal.Name, dataset, seq, cancellationToken, audit).ConfigureAwait(false);
        if (result.Outcome == AckOutcome.OutOfRange)
        {
            var accepted = result.LastSeq == 0 ? "the dataset has no batches yet" : $"acknowledge a Seq from 1 to {result.LastSeq}";
            throw new ExchangeFaultException(
                ExchangeFaultCode.AckOutOfRange,
                $"Seq {seq} is beyond the last batch of dataset '{dataset}' (last Seq {result.LastSeq}); {accepted}.");
        }

        return result;
    }

    private static void RequireInsurer(Principal principal, string operation)
    {
        if (principal.Role != PrincipalRole.Insurer)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.Forbidden,
                $"{operation} is for principals with role 'insurer'; '{principal.Name}' has role '{principal.Role.ToString().ToLowerInvariant()}'.");
        }
    }

    private static string RequireVisible(Principal principal, string dataset)
    {
        if (!principal.MaySee(dataset))
        {
            var allowed = principal.Datasets.Count == 0 ? "(none)" : string.Join(", ", principal.OrderedDatasets);
            throw new ExchangeFaultException(
                ExchangeFaultCode.Forbidden,
                $"Dataset '{dataset}' is not allowed for '{principal.Name}'; allowed datasets: {allowed}.");
        }

        return dataset;
    }
}
