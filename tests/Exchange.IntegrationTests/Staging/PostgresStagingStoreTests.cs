using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Staging;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStagingStoreTests(PostgresCluster cluster) : StagingStoreContract, IAsyncLifetime
{
    private readonly List<TestStaging> _stores = [];
    private readonly Dictionary<TestStaging, string> _connectionStrings = [];

    protected override string DialectFolder => "postgres";

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var connectionString = await cluster.CreateDatabaseAsync("staging");
        var store = TestStaging.Postgres(connectionString, Clock);
        _stores.Add(store);
        _connectionStrings[store] = connectionString;
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task ExecuteAsync(TestStaging store, string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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
