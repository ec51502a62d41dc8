namespace Exchange.Core.Operations;

/// <summary>A dataset as the operator sees it.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Watermark">The last extracted watermark (opaque text), null before the first batch.</param>
/// <param name="LastSeq">Sequence number of the dataset's last batch.</param>
/// <param name="LastBatchAt">When the last batch was stored, null when none is left.</param>
/// <param name="StoredBatches">Batches still in the store.</param>
/// <param name="RecentBatches">Batches stored since the time asked for.</param>
/// <param name="RecentRows">Rows in those batches.</param>
/// <param name="SchemaNote">The last change seen in the source's columns, or why the dataset is stopped (<c>stopped: …</c>); null when none.</param>
public sealed record DatasetStatus(
    string Dataset, string? Watermark, long LastSeq, DateTimeOffset? LastBatchAt, long StoredBatches, long RecentBatches, long RecentRows, string? SchemaNote = null)
{
    /// <summary>True when a missing or retyped watermark or key column stopped the dataset.</summary>
    public bool Stopped => SchemaNote?.StartsWith(Extraction.SchemaDrift.StoppedPrefix, StringComparison.Ordinal) == true;
}

/// <summary>How far an insurer is behind in one dataset.</summary>
public sealed record InsurerBacklog(string Insurer, string Dataset, long AckedSeq, long LastSeq, DateTimeOffset? LastPollAt)
{
    /// <summary>Batches stored but not acknowledged.</summary>
    public long Backlog => Math.Max(0, LastSeq - AckedSeq);
}

/// <summary>Extraction activity in one minute.</summary>
public sealed record ActivityBucket(DateTimeOffset Minute, long Batches, long Rows);

/// <summary>What a replay changed.</summary>
public sealed record ReplayResult(string Insurer, string Dataset, long PreviousAckedSeq, long AckedSeq, long LastSeq);

/// <summary>What retention removes, decided by the caller: cut-off instants and who may see which dataset.</summary>
/// <param name="BatchesBefore">Batches created before this instant may go, once acknowledged by every insurer allowed to see them.</param>
/// <param name="RequestsBefore">Requests in a final state last updated before this instant go, with their responses.</param>
/// <param name="AuditBefore">Audit rows before this instant go.</param>
/// <param name="LoadSamplesBefore">Probe readings before this instant go.</param>
/// <param name="InsurerDatasets">Insurer name → datasets it may see. A dataset nobody may see is kept (an insurer may be added later).</param>
public sealed record RetentionPolicy(
    DateTimeOffset BatchesBefore,
    DateTimeOffset RequestsBefore,
    DateTimeOffset AuditBefore,
    DateTimeOffset LoadSamplesBefore,
    IReadOnlyDictionary<string, IReadOnlyList<string>> InsurerDatasets);

/// <summary>What a purge removed.</summary>
/// <param name="BatchesByDataset">Batches removed per dataset (datasets with none removed are left out).</param>
/// <param name="Requests">Finished requests removed.</param>
/// <param name="Responses">Their responses removed.</param>
/// <param name="AuditRows">Audit rows removed.</param>
/// <param name="LoadSamples">Probe readings removed.</param>
public sealed record PurgeResult(IReadOnlyDictionary<string, long> BatchesByDataset, long Requests, long Responses, long AuditRows, long LoadSamples)
{
    /// <summary>All batches removed.</summary>
    public long Batches => BatchesByDataset.Values.Sum();

    /// <summary>One line for logs and the command line.</summary>
    public override string ToString()
    {
        var perDataset = BatchesByDataset.Count == 0 ? "" : " (" + string.Join(", ", BatchesByDataset.Select(p => $"{p.Key} {p.Value}")) + ")";
        return $"removed {Batches} batches{perDataset}, {Requests} requests with {Responses} responses, {AuditRows} audit rows, {LoadSamples} probe readings";
    }
}

/// <summary>A replay that would not make sense; nothing was changed.</summary>
public sealed class ReplayRefusedException(string message) : Exception(message);

/// <summary>This daemon as the nodes sharing a store know it.</summary>
/// <param name="Name">Its name (<c>Exchange:NodeName</c>), also its id in the clustered scheduler.</param>
/// <param name="Address">Where insurers reach it (<c>Web:Urls</c>).</param>
/// <param name="ClusterCheckInLimit">With clustered scheduling, how old its scheduler's last check-in may be before it is
/// taken for dead by the others (and so is not ready); null without clustering.</param>
/// <param name="StartedAt">When this process started: a check-in before it was made by the node's previous run.</param>
public sealed record NodeIdentity(string Name, string Address, TimeSpan? ClusterCheckInLimit = null, DateTimeOffset? StartedAt = null);

/// <summary>A node as the shared store shows it.</summary>
/// <param name="Node">Its name.</param>
/// <param name="Address">Where it listens.</param>
/// <param name="CheckedAt">Its last heartbeat (written every status refresh and by each readiness check).</param>
/// <param name="SchedulerCheckIn">Its scheduler's last check-in in the clustered job store; null without one.</param>
/// <param name="Running">The jobs it runs now (dataset extractions by name, <c>request-worker</c>, <c>purge</c>).</param>
public sealed record NodeHeartbeat(string Node, string Address, DateTimeOffset CheckedAt, DateTimeOffset? SchedulerCheckIn, IReadOnlyList<string> Running)
{
    /// <summary>Whether the node stopped checking in: no heartbeat for longer than <paramref name="limit"/>.</summary>
    public bool IsSilent(DateTimeOffset now, TimeSpan limit) => now - CheckedAt > limit;
}
