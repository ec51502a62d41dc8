using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Staging;

/// <summary><see cref="Core.Audit.IAuditStore"/> against each staging store dialect.</summary>
public abstract class AuditRetentionContract
{
    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    protected abstract Task<AdoStagingStore> CreateStoreAsync();

    [Fact]
    public async Task DeleteAuditOlderThan_RemovesOnlyRecordsBeforeTheCutoff_AndCountsThem()
    {
        var store = await CreateStoreAsync();
        var now = Clock.GetUtcNow();
        foreach (var age in new[] { 400, 185, 184, 10, 0 })
        {
            await store.WriteAuditAsync(new AuditEntry(now.AddDays(-age), "insurer-a", "Poll", $"age{age}", "ok", "127.0.0.1"), default);
        }

        var deleted = await store.DeleteAuditOlderThanAsync(now.AddDays(-184), default);

        Assert.Equal(2, deleted);
        Assert.Equal(
            ["age184", "age10", "age0"],
            (await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 100, default)).Select(a => a.ObjectId));
        Assert.Equal(0, await store.DeleteAuditOlderThanAsync(now.AddDays(-184), default));
    }

    [Fact]
    public async Task WriteAuditBatch_StoresEveryRecordInOrder_WithNullsKept()
    {
        var store = await CreateStoreAsync();
        var now = Clock.GetUtcNow();
        var entries = Enumerable.Range(0, 50).Select(i => new AuditEntry(now.AddMilliseconds(i), $"p{i}", "Poll", i % 2 == 0 ? null : $"o{i}", "ok", i % 3 == 0 ? null : "10.0.0.1")).ToList();

        await store.WriteAuditBatchAsync(entries, default);
        await store.WriteAuditBatchAsync([], default);

        Assert.Equal(entries, await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 100, default));
    }
}

public sealed class SqliteAuditRetentionTests : AuditRetentionContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-audit");

    protected override async Task<AdoStagingStore> CreateStoreAsync()
    {
        var store = new SqliteStagingStore($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    public void Dispose() => _folder.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditRetentionTests(PostgresCluster cluster) : AuditRetentionContract, IAsyncLifetime
{
    private readonly List<PostgresStagingStore> _stores = [];

    protected override async Task<AdoStagingStore> CreateStoreAsync()
    {
        var store = new PostgresStagingStore(await cluster.CreateDatabaseAsync("audit"), Clock);
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
