using System.Data.Common;
using Exchange.Core.Audit;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Operations;

/// <summary>One line of the readiness answer.</summary>
public sealed record ReadinessItem(string Check, bool Ok, string Detail);

/// <summary>
/// <c>/readyz</c>, what a load balancer routes by: ready only when the node can serve. The staging store takes this
/// node's heartbeat (a committed write, so a full disk fails it), the audit queue has room (every call is audited before
/// it is answered), and each source accepts a connection. A source is connected to at most once per
/// <see cref="SourceCheckInterval"/> and never while its gate hibernates: readiness probes must not load the production
/// database. Each check runs anew on every call, so a node recovers by itself once the cause is gone.
/// </summary>
public sealed class ReadinessCheck(
    IOperationsStore store,
    SourceConnector sources,
    OperatorSnapshotSource snapshots,
    IOptions<ExchangeOptions> options,
    NodeIdentity node,
    IAuditBacklog audit,
    TimeProvider timeProvider)
{
    /// <summary>The share of the audit queue in use from which the node stops taking calls (it would soon refuse them).</summary>
    public const double AuditSaturation = 0.9;

    /// <summary>The shortest time between two connection attempts to one source.</summary>
    public static readonly TimeSpan SourceCheckInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (DateTimeOffset At, ReadinessItem Item)> _sourceResults = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sourceCheck = new(1, 1);

    /// <summary>Runs the checks; the daemon is ready when every item is ok.</summary>
    public async Task<IReadOnlyList<ReadinessItem>> CheckAsync(CancellationToken cancellationToken)
    {
        var items = new List<ReadinessItem>();
        try
        {
            await store.WriteHeartbeatAsync(node, cancellationToken).ConfigureAwait(false);
            items.Add(new ReadinessItem("staging", true, "writable"));
        }
        catch (Exception error) when (error is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            items.Add(new ReadinessItem("staging", false, $"not writable: {error.GetType().Name}: {error.Message}"));
        }

        if (node.ClusterCheckInLimit is { } limit)
        {
            items.Add(await CheckClusterAsync(limit, cancellationToken).ConfigureAwait(false));
        }

        var waiting = audit.Waiting;
        items.Add(waiting >= audit.Capacity * AuditSaturation
            ? new ReadinessItem("audit", false, $"saturated: {waiting} of {audit.Capacity} records wait for the staging store")
            : new ReadinessItem("audit", true, $"{waiting} of {audit.Capacity} records waiting"));

        await _sourceCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var name in options.Value.Sources.Keys.Order(StringComparer.Ordinal))
            {
                items.Add(await CheckSourceAsync(name, cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            _sourceCheck.Release();
        }

        return items;
    }

    private async Task<ReadinessItem> CheckClusterAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            var self = (await store.GetNodesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(n => n.Node == node.Name);
            var age = self?.SchedulerCheckIn is { } at ? timeProvider.GetUtcNow() - at : (TimeSpan?)null;
            if (self?.SchedulerCheckIn < node.StartedAt)
            {
                // A restarted node's scheduler may wait for the others to take over what its previous run left.
                return new ReadinessItem("cluster", false, $"node {node.Name} has not checked in since it started (the check-in {age!.Value.TotalSeconds:0} s ago was its previous run's)");
            }

            return age is { } checkedIn && checkedIn <= limit
                ? new ReadinessItem("cluster", true, $"node {node.Name} checked in {checkedIn.TotalSeconds:0} s ago")
                : new ReadinessItem("cluster", false, age is null
                    ? $"node {node.Name} has not checked in to the cluster (its scheduler has not started, or it stopped)"
                    : $"node {node.Name} last checked in {age.Value.TotalSeconds:0} s ago, more than {limit.TotalSeconds:0} s: the other nodes take it for dead and take over its work");
        }
        catch (Exception error) when (error is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            return new ReadinessItem("cluster", false, $"check-in unreadable: {error.GetType().Name}: {error.Message}");
        }
    }

    private async Task<ReadinessItem> CheckSourceAsync(string name, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_sourceResults.TryGetValue(name, out var last) && now - last.At < SourceCheckInterval)
        {
            return last.Item;
        }

        var gate = snapshots.Current.GateBySource.FirstOrDefault(s => s.Source == name);
        ReadinessItem item;
        if (gate is { State: GateState.Hibernating })
        {
            item = new ReadinessItem("source " + name, true, $"not contacted: its load gate hibernates ({gate.Reason})");
        }
        else
        {
            try
            {
                var connection = await sources.OpenAsync(name, cancellationToken).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                item = new ReadinessItem("source " + name, true, "reachable (" + sources.Describe(name).Description + ")");
            }
            catch (Exception error) when (error is DbException or SourceProviderException or InvalidOperationException or IOException or TimeoutException)
            {
                item = new ReadinessItem("source " + name, false, $"unreachable: {error.GetType().Name}: {error.Message}");
            }
        }

        _sourceResults[name] = (now, item);
        return item;
    }
}
