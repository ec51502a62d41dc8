using System.Security.Cryptography;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Security;

/// <summary>The nonce store of several nodes on one PostgreSQL staging store: the contract, shared by two instances.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresNonceStoreTests(PostgresCluster cluster) : NonceStoreContract, IAsyncLifetime
{
    private readonly List<PostgresStagingDatabase> _databases = [];
    private string _connectionString = "";

    protected override async Task<INonceStore> CreateAsync() => new PostgresNonceStore(await DatabaseAsync(), Clock, Window);

    [PostgresFact]
    public async Task ANonceUsedOnOneNode_IsRefusedOnAnother()
    {
        var nodeA = await CreateAsync();
        var nodeB = new PostgresNonceStore(await SecondConnectionAsync(), Clock, Window);
        var nonce = RandomNumberGenerator.GetBytes(16);

        Assert.Equal(NonceUse.Recorded, await nodeA.TryUseAsync("insurer-a", nonce, default));
        Assert.Equal(NonceUse.Replayed, await nodeB.TryUseAsync("insurer-a", nonce, default));
    }

    [PostgresFact]
    public async Task OneNonceSentToTwoNodesAtOnce_IsRecordedExactlyOnce()
    {
        var nodes = new INonceStore[] { await CreateAsync(), new PostgresNonceStore(await SecondConnectionAsync(), Clock, Window) };
        for (var round = 0; round < 20; round++)
        {
            var nonce = RandomNumberGenerator.GetBytes(16);
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => nodes[i % 2].TryUseAsync("insurer-a", nonce, default).AsTask()));
            Assert.Single(outcomes, o => o == NonceUse.Recorded);
        }
    }

    [PostgresFact]
    public async Task ExpiredNonces_AreDeleted_SoTheTableStaysBounded()
    {
        var store = await CreateAsync();
        for (var i = 0; i < 50; i++)
        {
            await store.TryUseAsync("insurer-a", RandomNumberGenerator.GetBytes(16), default);
        }

        Assert.Equal(50, await CountAsync());

        // The first call after both the nonces' lifetime and the purge interval deletes them before recording its own.
        Clock.Advance(Window + Window + PostgresNonceStore.PurgeEvery);
        await store.TryUseAsync("insurer-a", RandomNumberGenerator.GetBytes(16), default);

        Assert.Equal(1, await CountAsync());
    }

    private async Task<PostgresStagingDatabase> DatabaseAsync()
    {
        _connectionString = await cluster.CreateDatabaseAsync("nonces");
        var database = new PostgresStagingDatabase(_connectionString, Clock);
        _databases.Add(database);
        await database.MigrateAsync(default);
        return database;
    }

    // Another node: its own data source on the same store.
    private Task<PostgresStagingDatabase> SecondConnectionAsync()
    {
        var database = new PostgresStagingDatabase(_connectionString, Clock);
        _databases.Add(database);
        return Task.FromResult(database);
    }

    private async Task<long> CountAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM used_nonces", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}
