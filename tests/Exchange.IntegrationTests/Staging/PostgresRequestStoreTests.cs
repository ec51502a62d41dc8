using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Staging;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRequestStoreTests(PostgresCluster cluster) : RequestStoreContract, IAsyncLifetime
{
    private readonly List<TestStaging> _stores = [];
    private readonly Dictionary<TestStaging, string> _connectionStrings = [];

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var connectionString = await cluster.CreateDatabaseAsync("requests");
        var store = Track(TestStaging.Postgres(connectionString, Clock), connectionString);
        await store.MigrateAsync(default);
        return store;
    }

    protected override Task<TestStaging> OpenAnotherAsync(TestStaging store) =>
        Task.FromResult<TestStaging>(Track(TestStaging.Postgres(_connectionStrings[store], Clock), _connectionStrings[store]));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    private TestStaging Track(TestStaging store, string connectionString)
    {
        _stores.Add(store);
        _connectionStrings[store] = connectionString;
        return store;
    }
}
