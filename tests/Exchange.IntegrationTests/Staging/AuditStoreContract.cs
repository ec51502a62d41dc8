using System.Text;
using Exchange.Core.Audit;
using Exchange.Core.Requests;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Staging;

/// <summary><see cref="Core.Audit.IAuditStore"/> against each staging store dialect.</summary>
public abstract class AuditStoreContract
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    protected abstract Task<TestStaging> CreateStoreAsync();

    [Fact]
    public async Task WriteAuditBatch_StoresEveryRecordInOrder_WithNullsKept()
    {
        var store = await CreateStoreAsync();
        var now = Clock.GetUtcNow();
        var entries = Enumerable.Range(0, 50).Select(i => new AuditEntry(now.AddMilliseconds(i), $"p{i}", "Poll", i % 2 == 0 ? null : $"o{i}", "ok", i % 3 == 0 ? null : "10.0.0.1")).ToList();

        await store.Audit.WriteAuditBatchAsync(entries, default);
        await store.Audit.WriteAuditBatchAsync([], default);

        Assert.Equal(entries, await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 100, default));
    }

    [Fact]
    public async Task AnAggregatedRecord_KeepsItsCallCount()
    {
        var store = await CreateStoreAsync();
        var entry = new AuditEntry(Clock.GetUtcNow(), "(anonymous)", "Poll", null, "AuthFailed", "198.51.100.7", 4_321);

        await store.Audit.WriteAuditBatchAsync([entry], default);
        await store.WriteAuditAsync(entry with { Calls = 7 }, default);

        Assert.Equal([4_321, 7], (await Audit(store)).Select(e => e.Calls));
    }

    [Fact]
    public async Task SetAuditCalls_UpdatesTheAggregatedRecord_OrWritesItWhenMissing()
    {
        var store = await CreateStoreAsync();
        var minute = Clock.GetUtcNow();
        var first = new AuditEntry(minute, "(anonymous)", "Poll", null, "AuthFailed", "198.51.100.7");
        var other = first with { RemoteAddress = "198.51.100.8" };
        await store.Audit.WriteAuditBatchAsync([first, other with { Outcome = "InvalidRequest" }], default);

        await store.Audit.SetAuditCallsAsync([first with { Calls = 40 }, other with { Calls = 3 }], default);

        var rows = await Audit(store);
        Assert.Equal(3, rows.Count);
        Assert.Equal(40, Assert.Single(rows, r => r.RemoteAddress == "198.51.100.7").Calls);
        Assert.Equal(1, Assert.Single(rows, r => r is { RemoteAddress: "198.51.100.8", Outcome: "InvalidRequest" }).Calls);
        Assert.Equal(3, Assert.Single(rows, r => r is { RemoteAddress: "198.51.100.8", Outcome: "AuthFailed" }).Calls);
    }

    [Fact]
    public async Task Ack_WithAnAuditRecord_CommitsTheRecordWithTheCursor_AndNothingWhenNothingChanged()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);
        var advanced = Record("Ack", "AC01:1");
        var repeated = Record("Ack", "AC01:1");

        await store.Batches.AckAsync("ins-a", "AC01", 1, default, advanced);
        await store.Batches.AckAsync("ins-a", "AC01", 1, default, repeated);

        Assert.True(advanced.Stored);
        Assert.False(repeated.Stored);
        Assert.Equal([advanced.Entry], await Audit(store));
    }

    [Fact]
    public async Task Ack_WhoseAuditRecordCannotBeWritten_ChangesNothing()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);
        var broken = Unwritable("Ack");

        await Assert.ThrowsAnyAsync<Exception>(() => store.Batches.AckAsync("ins-a", "AC01", 1, default, broken));

        Assert.False(broken.Stored);
        Assert.Equal(0, await store.GetCursorAsync("ins-a", "AC01", default));
        Assert.Empty(await Audit(store));
    }

    [Fact]
    public async Task PushedBatch_WithAnAuditRecord_IsStoredWithIt_OrNotAtAll()
    {
        var store = await CreateStoreAsync();
        var pushed = Record("PushBatch", "AC43");
        var duplicate = Record("PushBatch", "AC43");

        await Assert.ThrowsAnyAsync<Exception>(() => store.Batches.AppendPushedBatchAsync(Batch("AC43", null, null), "k0", default, Unwritable("PushBatch")));
        Assert.Equal(0, (await store.Batches.GetDatasetStateAsync("AC43", default)).LastSeq);

        await store.Batches.AppendPushedBatchAsync(Batch("AC43", null, null), "k1", default, pushed);
        await store.Batches.AppendPushedBatchAsync(Batch("AC43", null, null), "k1", default, duplicate);

        Assert.True(pushed.Stored);
        Assert.False(duplicate.Stored);
        Assert.Equal(1, (await store.Batches.GetDatasetStateAsync("AC43", default)).LastSeq);
        Assert.Equal([pushed.Entry], await Audit(store));
    }

    [Fact]
    public async Task SubmittedRequest_WithAnAuditRecord_IsStoredWithIt_OrNotAtAll()
    {
        var store = await CreateStoreAsync();
        var accepted = Record("SubmitRequest", "m1");
        var resubmitted = Record("SubmitRequest", "m1");

        await Assert.ThrowsAnyAsync<Exception>(() => store.Requests.SubmitRequestAsync(Request("m0"), default, Unwritable("SubmitRequest")));
        Assert.Null(await store.Requests.GetResponseAsync("ins-a", "m0", markRead: false, default));

        await store.Requests.SubmitRequestAsync(Request("m1"), default, accepted);
        var again = await store.Requests.SubmitRequestAsync(Request("m1"), default, resubmitted);

        Assert.Equal(SubmitOutcome.Resubmitted, again.Outcome);
        Assert.True(accepted.Stored);
        Assert.False(resubmitted.Stored);
        Assert.Equal([accepted.Entry], await Audit(store));
    }

    [Fact]
    public async Task CompletedRequest_WithAnAuditRecord_IsAnsweredWithIt_OrNotAtAll()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("m1"), default);
        var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("src-1", ["1101"], 1, TimeSpan.FromMinutes(5), default));
        var answered = Record("PutResponse", claimed.Request.RefMsgId);

        await Assert.ThrowsAnyAsync<Exception>(() => store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "src-1", RequestAnswer.Ok("{}"), default, Unwritable("PutResponse")));
        Assert.Equal(RequestStatus.Processing, (await store.Requests.GetRequestByRefAsync(claimed.Request.RefMsgId, default))!.Status);

        Assert.True(await store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "src-1", RequestAnswer.Ok("{}"), default, answered));

        Assert.True(answered.Stored);
        Assert.Equal(RequestStatus.Completed, (await store.Requests.GetRequestByRefAsync(claimed.Request.RefMsgId, default))!.Status);
        Assert.Equal([answered.Entry], await Audit(store));
    }

    private static NewBatch Batch(string dataset, string? from, string? to) =>
        new(dataset, 1, "jsonl+gzip", Encoding.UTF8.GetBytes("{\"a\":1}\n"), new string('a', 64), from, to, from is null && to is null ? BatchOrigin.Pushed : BatchOrigin.Extracted);

    private static NewRequest Request(string msgId) =>
        new("ins-a", msgId, "1101", "{\"id\":\"1\"}", new string('b', 64), TimeSpan.FromMinutes(30));

    private static Task<IReadOnlyList<AuditEntry>> Audit(TestStaging store) =>
        store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 100, default);

    private AuditRecord Record(string operation, string objectId) =>
        new(new AuditEntry(Clock.GetUtcNow(), "ins-a", operation, objectId, "ok", "127.0.0.1"));

    // The audit table's NOT NULL refuses a record without a principal: a real failure inside the effect's transaction.
    private AuditRecord Unwritable(string operation) =>
        new(new AuditEntry(Clock.GetUtcNow(), null!, operation, null, "ok", "127.0.0.1"));
}

public sealed class SqliteAuditStoreTests : AuditStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-audit");

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Sqlite($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    public void Dispose() => _folder.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditStoreTests(PostgresCluster cluster) : AuditStoreContract, IAsyncLifetime
{
    private readonly List<TestStaging> _stores = [];

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Postgres(await cluster.CreateDatabaseAsync("audit"), Clock);
        _stores.Add(store);
        await store.MigrateAsync(default);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
