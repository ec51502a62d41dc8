using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Exchange.WebService.Soap;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Exchange.IntegrationTests.Security;

/// <summary>The SOAP endpoint's failed-authentication throttle of two nodes counting through one PostgreSQL staging store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFailedAuthenticationCountTests(PostgresCluster cluster) : IAsyncLifetime
{
    private const string Address = "198.51.100.7";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 10, TimeSpan.Zero));
    private readonly List<PostgresStagingDatabase> _databases = [];
    private string _connectionString = "";

    [PostgresFact]
    public async Task GuessesSpreadOverTwoNodes_AreRefusedOnBoth_OnceTheyTogetherReachTheAllowance()
    {
        var nodeA = new FailedAuthenticationThrottle(_clock, perMinute: 6, new PostgresFailedAuthenticationCount(await DatabaseAsync()));
        var nodeB = new FailedAuthenticationThrottle(_clock, perMinute: 6, new PostgresFailedAuthenticationCount(Node()));

        // Alternating nodes, as a load balancer would: each node alone has seen 3, the two together 6.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(0, (i % 2 == 0 ? nodeA : nodeB).SecondsToWait(Address));
            await (i % 2 == 0 ? nodeA : nodeB).FailedAsync(Address, default);
        }

        Assert.Equal(50, nodeB.SecondsToWait(Address));

        // Node A last heard a total of 5: it lets one more guess through and then knows the total too.
        Assert.Equal(0, nodeA.SecondsToWait(Address));
        await nodeA.FailedAsync(Address, default);
        Assert.Equal(50, nodeA.SecondsToWait(Address));
        Assert.Equal(0, nodeA.SecondsToWait("198.51.100.8"));

        // The next minute starts afresh, and its first failure deletes the minutes that are over.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, nodeB.SecondsToWait(Address));
        await nodeB.FailedAsync(Address, default);
        Assert.Equal(1L, await CountRowsAsync());
    }

    private async Task<PostgresStagingDatabase> DatabaseAsync()
    {
        _connectionString = await cluster.CreateDatabaseAsync("failed_auth");
        var database = Node();
        await database.MigrateAsync(default);
        return database;
    }

    // Another node: its own data source on the same store.
    private PostgresStagingDatabase Node()
    {
        var database = new PostgresStagingDatabase(_connectionString, _clock);
        _databases.Add(database);
        return database;
    }

    private async Task<long> CountRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM failed_authentications", connection);
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
