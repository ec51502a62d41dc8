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

    [Fact]
    public async Task DatasetLease_HeldByASessionOfItsOwn_ThatTheServerEnds_IsFreeAgain_AndReleasingItThrowsNothing()
    {
        var store = await CreateStoreAsync();
        var leases = new Exchange.Core.Staging.DatasetLeases(store.Database);
        var held = await leases.TryTakeAsync("AC01", default);
        Assert.NotNull(held);

        // The server ends the holder's session, as it does once TCP keepalive gives up on a node that lost power.
        await using (var admin = new NpgsqlConnection(_connectionStrings[store]))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid, 30000) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                admin);
            Assert.Equal(true, await kill.ExecuteScalarAsync());
        }

        var again = await leases.TryTakeAsync("AC01", default);
        Assert.NotNull(again);
        await held.DisposeAsync(); // its unlock fails on the dead session: nothing is thrown
        await again.DisposeAsync();
        var third = await leases.TryTakeAsync("AC01", default);
        Assert.NotNull(third);
        await third.DisposeAsync();
    }

    [Fact]
    public async Task DatasetLease_KeepaliveSettings_ApplyToTheSessionOnPostgres()
    {
        var store = await CreateStoreAsync();
        await using var connection = new NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        await using (var apply = new NpgsqlCommand(Exchange.Core.Staging.DatasetLeases.KeepaliveSql, connection))
        {
            apply.Parameters.AddWithValue("key", 0L);
            await apply.ExecuteNonQueryAsync();
        }

        await using var show = new NpgsqlCommand(
            "SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout')",
            connection);
        await using var reader = await show.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(["10", "3", "3", "20000"], [reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)]);
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
