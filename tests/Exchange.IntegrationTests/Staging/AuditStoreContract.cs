using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Staging;

/// <summary><see cref="Core.Audit.IAuditStore"/> against each staging store dialect.</summary>
public abstract class AuditStoreContract
{
    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    protected abstract Task<AdoStagingStore> CreateStoreAsync();

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

public sealed class SqliteAuditStoreTests : AuditStoreContract, IDisposable
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
public sealed class PostgresAuditStoreTests(PostgresCluster cluster) : AuditStoreContract, IAsyncLifetime
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
