using System.Text;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Exchange.Core.Staging;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Operations;

/// <summary>The behaviour every <see cref="IOperationsStore"/> must have, run against SQLite and PostgreSQL.</summary>
public abstract class OperationsStoreContract
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>A new, empty, migrated store.</summary>
    protected abstract Task<TestStaging> CreateStoreAsync();

    /// <summary>Runs raw SQL against the store's database.</summary>
    protected abstract Task ExecuteAsync(TestStaging store, string sql);

    /// <summary>A timestamp literal as the dialect stores it.</summary>
    protected abstract string TimestampLiteral(DateTimeOffset at);

    private static readonly Dictionary<string, IReadOnlyList<string>> Insurers = new(StringComparer.Ordinal)
    {
        ["ins-a"] = ["AC01", "AC43"],
        ["ins-b"] = ["AC01"],
    };

    private async Task<long[]> AppendAsync(TestStaging store, string dataset, int count, int rows = 3)
    {
        var state = await store.Batches.GetDatasetStateAsync(dataset, default);
        var watermark = state.Watermark;
        var seqs = new long[count];
        for (var i = 0; i < count; i++)
        {
            var next = $"{dataset}-w{state.LastSeq + i + 1}";
            var header = await store.Batches.AppendBatchAsync(
                new NewBatch(dataset, rows, "jsonl+gzip", Encoding.UTF8.GetBytes("{}\n"), new string('a', 64), watermark, next, BatchOrigin.Extracted), default);
            seqs[i] = header.Seq;
            watermark = next;
        }

        return seqs;
    }

    [Fact]
    public async Task DatasetStatus_ShowsWatermarkLastBatchAndRecentActivity()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, "AC01", 2, rows: 5);
        Clock.Advance(TimeSpan.FromHours(2));
        await AppendAsync(store, "AC01", 1, rows: 7);

        var status = Assert.Single(await store.Operations.GetDatasetStatusAsync(Clock.GetUtcNow().AddHours(-1), default));
        Assert.Equal(("AC01", "AC01-w3", 3L, 3L, 1L, 7L), (status.Dataset, status.Watermark, status.LastSeq, status.StoredBatches, status.RecentBatches, status.RecentRows));
        Assert.Equal(Clock.GetUtcNow(), status.LastBatchAt);
    }

    [Fact]
    public async Task InsurerBacklog_IsLastSeqMinusAcked_WithTheLastSuccessfulPollFromTheAuditLog()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, "AC01", 4);
        await store.Batches.AckAsync("ins-a", "AC01", 3, default);
        var polledAt = Clock.GetUtcNow();
        await store.WriteAuditAsync(new AuditEntry(polledAt, "ins-a", "Poll", null, "ok", "127.0.0.1"), default);
        await store.WriteAuditAsync(new AuditEntry(polledAt.AddMinutes(1), "ins-a", "Poll", null, "PollTooSoon", "127.0.0.1"), default);

        var backlog = await store.Operations.GetInsurerBacklogAsync(Insurers, default);
        Assert.Equal(
            [("ins-a", "AC01", 3L, 4L, 1L), ("ins-a", "AC43", 0L, 0L, 0L), ("ins-b", "AC01", 0L, 4L, 4L)],
            backlog.Select(b => (b.Insurer, b.Dataset, b.AckedSeq, b.LastSeq, b.Backlog)));
        Assert.Equal(polledAt, backlog[0].LastPollAt);
        Assert.Null(backlog[2].LastPollAt);
    }

    [Fact]
    public async Task RequestCounts_LoadSamples_Activity_AndRecentFailures_AreReadBack()
    {
        var store = await CreateStoreAsync();
        var at = TimestampLiteral(Clock.GetUtcNow());
        await ExecuteAsync(store, $"""
            INSERT INTO requests (insurer, msg_id, ref_msg_id, inf_no, input, input_sha256, status, attempts, created_at, updated_at, expires_at)
            VALUES ('ins-a', 'm1', 'r1', '1101', '{"{}"}', 'x', 'Pending', 0, {at}, {at}, {at}),
                   ('ins-a', 'm2', 'r2', '1101', '{"{}"}', 'x', 'Pending', 0, {at}, {at}, {at}),
                   ('ins-a', 'm3', 'r3', '1101', '{"{}"}', 'x', 'Completed', 1, {at}, {at}, {at})
            """);
        await ExecuteAsync(store, $"""
            INSERT INTO load_samples (at, source, probe, value, gate_state, reason) VALUES
            ({at}, 'prod', 'sessions', 12.5, 'Idle', 'below idle'),
            ({TimestampLiteral(Clock.GetUtcNow().AddMinutes(1))}, 'prod', 'sessions', 40, 'Busy', 'sessions 40 >= 30'),
            ({at}, 'prod', 'latency', NULL, 'Idle', 'probe failed')
            """);
        await AppendAsync(store, "AC01", 2, rows: 4);
        await store.WriteAuditAsync(new AuditEntry(Clock.GetUtcNow(), "ins-a", "FetchBatch", "99", "UnknownBatch", "10.0.0.1"), default);
        await store.WriteAuditAsync(new AuditEntry(Clock.GetUtcNow(), "ins-a", "Poll", null, "ok", "10.0.0.1"), default);

        Assert.Equal(new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 2, [RequestStatus.Completed] = 1 }, await store.Operations.GetRequestCountsAsync(default));
        var latest = await store.Operations.GetLatestLoadSamplesAsync(default);
        Assert.Equal(2, latest.Count);
        Assert.Contains(latest, s => s is { Probe: "sessions", Value: 40, State: GateState.Busy });
        Assert.Contains(latest, s => s is { Probe: "latency", Value: null });
        Assert.Equal(3, (await store.Operations.GetLoadSamplesAsync(Clock.GetUtcNow().AddMinutes(-5), 100, default)).Count);
        var activity = Assert.Single(await store.Operations.GetExtractionActivityAsync(Clock.GetUtcNow().AddMinutes(-5), default));
        Assert.Equal((2L, 8L), (activity.Batches, activity.Rows));
        var failure = Assert.Single(await store.Operations.GetRecentFailuresAsync(10, default));
        Assert.Equal(("FetchBatch", "UnknownBatch", "99"), (failure.Operation, failure.Outcome, failure.ObjectId));
    }

    [Fact]
    public async Task Replay_MovesTheCursorBack_AndAuditsItInTheSameTransaction()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, "AC01", 5);
        await store.Batches.AckAsync("ins-a", "AC01", 5, default);

        var result = await store.Operations.ReplayAsync("ins-a", "AC01", 3, "operator:alice", default);

        Assert.Equal(new ReplayResult("ins-a", "AC01", 5, 2, 5), result);
        Assert.Equal(2, await store.GetCursorAsync("ins-a", "AC01", default));
        Assert.Equal([3L, 4L, 5L], (await store.GetBatchHeadersAfterAsync("AC01", 2, 10, default)).Select(h => h.Seq));
        var audit = Assert.Single(await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(2000), 10, default));
        Assert.Equal(("operator:alice", "Replay", "ins-a/AC01 from 3 (acked 5 -> 2)", "ok"), (audit.Principal, audit.Operation, audit.ObjectId, audit.Outcome));
    }

    [Fact]
    public async Task Replay_RefusesASeqAboveTheCursorOrAlreadyPurged_ChangingNothing()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, "AC01", 3);
        await store.Batches.AckAsync("ins-a", "AC01", 2, default);

        var above = await Assert.ThrowsAsync<ReplayRefusedException>(() => store.Operations.ReplayAsync("ins-a", "AC01", 3, "operator:x", default));
        Assert.Contains("between 1 and 2", above.Message, StringComparison.Ordinal);
        Assert.Contains("was 3", above.Message, StringComparison.Ordinal);
        var none = await Assert.ThrowsAsync<ReplayRefusedException>(() => store.Operations.ReplayAsync("ins-b", "AC01", 1, "operator:x", default));
        Assert.Contains("acknowledged nothing", none.Message, StringComparison.Ordinal);

        await ExecuteAsync(store, "DELETE FROM batches WHERE seq = 1");
        var purged = await Assert.ThrowsAsync<ReplayRefusedException>(() => store.Operations.ReplayAsync("ins-a", "AC01", 1, "operator:x", default));
        Assert.Contains("the oldest stored is 2", purged.Message, StringComparison.Ordinal);
        Assert.Equal(2, await store.GetCursorAsync("ins-a", "AC01", default));
        Assert.Empty(await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(2000), 10, default));
    }

    [Fact]
    public async Task Purge_RemovesOnlyOldBatchesAcknowledgedByEveryInsurerAllowedToSeeThem()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, "AC01", 4);
        await AppendAsync(store, "AC43", 3);
        await AppendAsync(store, "KC24", 2); // nobody may see KC24: kept
        await store.Batches.AppendPushedBatchAsync(new NewBatch("AC01", 1, "jsonl+gzip", [1], new string('b', 64), null, null, BatchOrigin.Pushed), "key-1", default);
        await store.Batches.AckAsync("ins-a", "AC01", 5, default);
        await store.Batches.AckAsync("ins-b", "AC01", 3, default);
        await store.Batches.AckAsync("ins-a", "AC43", 3, default);
        Clock.Advance(TimeSpan.FromDays(10));
        await AppendAsync(store, "AC43", 1); // acknowledged by nobody and new
        await store.Batches.AckAsync("ins-a", "AC43", 4, default); // acknowledged, but too new

        var now = Clock.GetUtcNow();
        var result = await store.Operations.PurgeAsync(new RetentionPolicy(now.AddDays(-5), now, now, now, Insurers), default);

        Assert.Equal(new Dictionary<string, long> { ["AC01"] = 3, ["AC43"] = 3 }, result.BatchesByDataset);
        Assert.Equal([4L, 5L], (await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default)).Select(h => h.Seq));
        Assert.Equal([4L], (await store.GetBatchHeadersAfterAsync("AC43", 0, 10, default)).Select(h => h.Seq));
        Assert.Equal(2, (await store.GetBatchHeadersAfterAsync("KC24", 0, 10, default)).Count);
        Assert.Equal(new DatasetState("AC01", "AC01-w4", 5), await store.Batches.GetDatasetStateAsync("AC01", default));
    }

    [Fact]
    public async Task Purge_RemovesFinalRequestsWithResponses_AuditAndSamplesPastTheirKeepTime()
    {
        var store = await CreateStoreAsync();
        var old = TimestampLiteral(Clock.GetUtcNow());
        var recent = TimestampLiteral(Clock.GetUtcNow().AddDays(20));
        await ExecuteAsync(store, $"""
            INSERT INTO requests (insurer, msg_id, ref_msg_id, inf_no, input, input_sha256, status, attempts, created_at, updated_at, expires_at)
            VALUES ('ins-a', 'done-old', 'r1', '1101', 'i', 'x', 'Completed', 1, {old}, {old}, {old}),
                   ('ins-a', 'failed-old', 'r2', '1101', 'i', 'x', 'Failed', 3, {old}, {old}, {old}),
                   ('ins-a', 'pending-old', 'r3', '1101', 'i', 'x', 'Pending', 0, {old}, {old}, {old}),
                   ('ins-a', 'done-new', 'r4', '1101', 'i', 'x', 'Completed', 1, {recent}, {recent}, {recent})
            """);
        await ExecuteAsync(store, $"INSERT INTO responses (request_id, inf_code, output, responded_at) SELECT request_id, 0, 'out', {old} FROM requests WHERE status <> 'Pending'");
        await store.WriteAuditAsync(new AuditEntry(Clock.GetUtcNow(), "ins-a", "Poll", null, "ok", null), default);
        await ExecuteAsync(store, $"INSERT INTO load_samples (at, source, probe, value, gate_state, reason) VALUES ({old}, 'prod', 'p', 1, 'Idle', NULL), ({recent}, 'prod', 'p', 2, 'Idle', NULL)");
        Clock.Advance(TimeSpan.FromDays(30));
        await store.WriteAuditAsync(new AuditEntry(Clock.GetUtcNow(), "ins-a", "Poll", null, "ok", null), default);

        var now = Clock.GetUtcNow();
        var result = await store.Operations.PurgeAsync(new RetentionPolicy(now, now.AddDays(-15), now.AddDays(-15), now.AddDays(-15), Insurers), default);

        Assert.Equal((0L, 2L, 2L, 1L, 1L), (result.Batches, result.Requests, result.Responses, result.AuditRows, result.LoadSamples));
        Assert.Equal(new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 1, [RequestStatus.Completed] = 1 }, await store.Operations.GetRequestCountsAsync(default));
        Assert.Single(await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(2000), 10, default));
        Assert.Contains("removed 0 batches, 2 requests with 2 responses, 1 audit rows, 1 probe readings", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_DeletesInChunks_AndCountsEveryRowOfEveryChunk()
    {
        var store = await CreateStoreAsync();
        const int Batches = (OperationsStore.PurgeChunkBatches * 2) + 7;
        const int Rows = (OperationsStore.PurgeChunkRows * 2) + 11;
        await AppendAsync(store, "AC01", Batches + 1);
        await store.Batches.AckAsync("ins-a", "AC01", Batches, default);
        await store.Batches.AckAsync("ins-b", "AC01", Batches, default);
        var old = TimestampLiteral(Clock.GetUtcNow());
        await ExecuteAsync(store, $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows + 5})
            INSERT INTO requests (insurer, msg_id, ref_msg_id, inf_no, input, input_sha256, status, attempts, created_at, updated_at, expires_at)
            SELECT 'ins-a', 'm' || CAST(i AS TEXT), 'r' || CAST(i AS TEXT), '1101', 'i', 'x', CASE WHEN i <= {Rows} THEN 'Completed' ELSE 'Pending' END, 1, {old}, {old}, {old} FROM n
            """);
        await ExecuteAsync(store, $"INSERT INTO responses (request_id, inf_code, output, responded_at) SELECT request_id, 0, 'out', {old} FROM requests WHERE status = 'Completed' AND request_id % 2 = 0");
        await store.Audit.WriteAuditBatchAsync([.. Enumerable.Range(0, Rows).Select(i => new AuditEntry(Clock.GetUtcNow(), "ins-a", "Poll", null, "ok", null))], default);
        await ExecuteAsync(store, $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows})
            INSERT INTO load_samples (at, source, probe, value, gate_state, reason) SELECT {old}, 'prod', 'p', i, 'Idle', NULL FROM n
            """);
        Clock.Advance(TimeSpan.FromDays(30));
        await store.WriteAuditAsync(new AuditEntry(Clock.GetUtcNow(), "ins-a", "Poll", null, "ok", null), default);

        var now = Clock.GetUtcNow();
        var result = await store.Operations.PurgeAsync(new RetentionPolicy(now, now, now, now, Insurers), default);

        Assert.Equal(new Dictionary<string, long> { ["AC01"] = Batches }, result.BatchesByDataset);
        Assert.Equal(((long)Rows, (long)(Rows / 2), (long)Rows, (long)Rows), (result.Requests, result.Responses, result.AuditRows, result.LoadSamples));
        Assert.Equal([(long)Batches + 1], (await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default)).Select(h => h.Seq));
        Assert.Equal(new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 5 }, await store.Operations.GetRequestCountsAsync(default));
        Assert.Single(await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(2000), 10, default));
        Assert.Empty(await store.Operations.GetLoadSamplesAsync(DateTimeOffset.MinValue.AddYears(2000), 10, default));
    }

    [Fact]
    public async Task Heartbeats_AreOneRowPerNode_LastWriteWins_AndChangeNothingElse()
    {
        var store = await CreateStoreAsync();
        await store.Operations.WriteHeartbeatAsync(new NodeIdentity("fep02:8080", "http://10.0.0.2:8080"), default);
        await store.Operations.WriteHeartbeatAsync(new NodeIdentity("fep01:8080", "http://10.0.0.1:8080"), default);
        Clock.Advance(TimeSpan.FromSeconds(7));
        await store.Operations.WriteHeartbeatAsync(new NodeIdentity("fep01:8080", "https://10.0.0.1:8443"), default);

        var nodes = await store.Operations.GetNodesAsync(default);
        Assert.Equal(
            [("fep01:8080", "https://10.0.0.1:8443", Clock.GetUtcNow()), ("fep02:8080", "http://10.0.0.2:8080", Clock.GetUtcNow() - TimeSpan.FromSeconds(7))],
            nodes.Select(n => (n.Node, n.Address, n.CheckedAt)));
        Assert.All(nodes, n => Assert.Empty(n.Running)); // no scheduler runs anything in this store
        Assert.Equal(SchemaScripts.For(DialectFolder).Count, await store.GetSchemaVersionAsync(default));
    }

    /// <summary>The dialect's folder of schema scripts.</summary>
    protected abstract string DialectFolder { get; }
}
