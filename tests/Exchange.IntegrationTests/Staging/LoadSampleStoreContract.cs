using Exchange.Core.Load;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Exchange.IntegrationTests.Staging;

/// <summary>The gate's history in <c>load_samples</c>, run against each staging implementation.</summary>
public abstract class LoadSampleStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 1, 2, 3, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(T0);

    /// <summary>A new, empty, migrated store.</summary>
    protected abstract Task<TestStaging> CreateStoreAsync();

    [Fact]
    public async Task AddLoadSample_StoresTransitions_ReadBackPerSourceInOrderFromATime()
    {
        var store = await CreateStoreAsync();
        await store.LoadSamples.AddLoadSampleAsync(new LoadSample(T0, "prod", "gate", null, GateState.Busy, "no load sample yet"), default);
        await store.LoadSamples.AddLoadSampleAsync(new LoadSample(T0.AddSeconds(4), "prod", "active", 1.5, GateState.Idle, "idle for 2 samples"), default);
        await store.LoadSamples.AddLoadSampleAsync(new LoadSample(T0.AddSeconds(5), "other", "cpu", 97, GateState.Hibernating, "critical"), default);
        await store.LoadSamples.AddLoadSampleAsync(new LoadSample(T0.AddSeconds(9), "prod", "active", 55, GateState.Hibernating, "critical load"), default);

        var all = await store.ReadLoadSamplesAsync("prod", T0, 10, default);
        Assert.Equal([GateState.Busy, GateState.Idle, GateState.Hibernating], all.Select(s => s.State));
        Assert.Equal(new LoadSample(T0.AddSeconds(4), "prod", "active", 1.5, GateState.Idle, "idle for 2 samples"), all[1]);
        Assert.Null(all[0].Value);

        var later = await store.ReadLoadSamplesAsync("prod", T0.AddSeconds(4), 1, default);
        Assert.Equal(GateState.Idle, Assert.Single(later).State);
    }
}

public sealed class SqliteLoadSampleStoreTests : LoadSampleStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-load-samples");

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    public void Dispose() => _folder.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLoadSampleStoreTests(PostgresCluster cluster) : LoadSampleStoreContract, IAsyncLifetime
{
    private TestStaging? _store;

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        _store = TestStaging.Postgres(await cluster.CreateDatabaseAsync("samples"), Clock);
        await _store.MigrateAsync(default);
        return _store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
    }
}
