using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Exchange.Core.Security;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Operations;

/// <summary>The figures operators watch, read from the staging store at one instant.</summary>
public sealed record OperatorSnapshot(
    DateTimeOffset TakenAt,
    IReadOnlyList<DatasetStatus> Datasets,
    IReadOnlyList<InsurerBacklog> Backlog,
    IReadOnlyDictionary<RequestStatus, long> Requests,
    IReadOnlyList<LoadSample> Gate,
    IReadOnlyList<NodeHeartbeat> Nodes,
    string? Error)
{
    /// <summary>Before the first read.</summary>
    public static OperatorSnapshot Empty { get; } = new(DateTimeOffset.MinValue, [], [], new Dictionary<RequestStatus, long>(), [], [], "not read yet");

    /// <summary>
    /// How long a node may go without a heartbeat before it is shown as having stopped checking in: three status refreshes
    /// of the default 5 s, so one slow refresh does not mark a live node.
    /// </summary>
    public static readonly TimeSpan SilentNodeLimit = TimeSpan.FromSeconds(15);

    /// <summary>The latest gate state per source (from the last probe reading recorded for it).</summary>
    public IEnumerable<LoadSample> GateBySource => Gate.GroupBy(s => s.Source, StringComparer.Ordinal).Select(g => g.MaxBy(s => s.At)!);

    /// <summary>A one-line summary for systemd's STATUS= and the log.</summary>
    public string Summary()
    {
        if (Error is not null && TakenAt == DateTimeOffset.MinValue)
        {
            return "starting";
        }

        var gate = Gate.Count == 0
            ? "gate: no probe readings"
            : "gate: " + string.Join(", ", GateBySource.Select(s => $"{s.Source} {s.State}"));
        var backlog = Backlog.Count == 0
            ? "no insurers"
            : "backlog: " + string.Join(", ", Backlog.GroupBy(b => b.Insurer, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Sum(b => b.Backlog)}"));
        var last = Datasets.Where(d => d.LastBatchAt is not null).MaxBy(d => d.LastBatchAt);
        var lastText = last is null ? "no batches yet" : $"last batch {last.Dataset}#{last.LastSeq}";
        var pending = Requests.GetValueOrDefault(RequestStatus.Pending) + Requests.GetValueOrDefault(RequestStatus.Processing);
        var error = Error is null ? "" : $"; staging unreadable: {Error}";
        return $"{gate}; {backlog}; {lastText}; {pending} requests open{error}";
    }
}

/// <summary>Keeps the latest <see cref="OperatorSnapshot"/>; refreshed periodically by the host, read by metrics, status page and systemd.</summary>
public sealed class OperatorSnapshotSource(IOperationsStore store, IOptions<ExchangeOptions> options, TimeProvider timeProvider)
{
    private volatile OperatorSnapshot _current = OperatorSnapshot.Empty;

    /// <summary>The latest snapshot (never null; <see cref="OperatorSnapshot.Empty"/> before the first read).</summary>
    public OperatorSnapshot Current => _current;

    /// <summary>Reads the figures now. A store failure keeps the previous figures and records the error (never "no work").</summary>
    public async Task<OperatorSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        try
        {
            var datasets = await store.GetDatasetStatusAsync(now.AddHours(-1), cancellationToken).ConfigureAwait(false);
            var backlog = await store.GetInsurerBacklogAsync(RetentionPolicyFactory.InsurerDatasets(options.Value), cancellationToken).ConfigureAwait(false);
            var requests = await store.GetRequestCountsAsync(cancellationToken).ConfigureAwait(false);
            var gate = await store.GetLatestLoadSamplesAsync(cancellationToken).ConfigureAwait(false);
            var nodes = await store.GetNodesAsync(cancellationToken).ConfigureAwait(false);
            _current = new OperatorSnapshot(now, datasets, backlog, requests, gate, nodes, null);
        }
        catch (Exception error) when (error is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
        {
            // Shown on the status page, by `exchange status` and in systemd's STATUS=: a provider's text may quote a bound value.
            _current = _current with { Error = IdentityNumber.MaskWithin($"{error.GetType().Name}: {error.Message}") };
        }

        return _current;
    }
}
