using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Staging;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRequestStoreTests(PostgresCluster cluster) : RequestStoreContract, IAsyncLifetime
{
    private readonly List<PostgresStagingStore> _stores = [];
    private readonly Dictionary<AdoStagingStore, string> _connectionStrings = [];

    protected override async Task<AdoStagingStore> CreateStoreAsync()
    {
        var connectionString = await cluster.CreateDatabaseAsync("requests");
        var store = Track(new PostgresStagingStore(connectionString, Clock), connectionString);
        await store.MigrateAsync(default);
        return store;
    }

    protected override Task<AdoStagingStore> OpenAnotherAsync(AdoStagingStore store) =>
        Task.FromResult<AdoStagingStore>(Track(new PostgresStagingStore(_connectionStrings[store], Clock), _connectionStrings[store]));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    private PostgresStagingStore Track(PostgresStagingStore store, string connectionString)
    {
        _stores.Add(store);
        _connectionStrings[store] = connectionString;
        return store;
    }
}
