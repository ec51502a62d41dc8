using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;
using Exchange.WebService.Soap;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Exchange.IntegrationTests.Security;

/// <summary>The SOAP endpoint's failed-authentication throttle of two nodes counting through one PostgreSQL staging store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFailedAuthenticationCountTests : IAsyncLifetime
{
    private const string Address = "198.51.100.7";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 10, TimeSpan.Zero));
    private readonly SharedStagingStore _store;

    public PostgresFailedAuthenticationCountTests(PostgresCluster cluster)
    {
        _store = new SharedStagingStore(cluster, _clock);
    }

    [PostgresFact]
    public async Task GuessesSpreadOverTwoNodes_AreRefusedOnBoth_OnceTheyTogetherReachTheAllowance()
    {
        var nodeA = new FailedAuthenticationThrottle(_clock, perMinute: 6, new PostgresFailedAuthenticationCount(await _store.CreateAsync("failed_auth")));
        var nodeB = new FailedAuthenticationThrottle(_clock, perMinute: 6, new PostgresFailedAuthenticationCount(_store.Node()));

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
        Assert.Equal(1L, await _store.CountAsync("failed_authentications"));
    }

    [PostgresFact]
    public async Task WhenTheSharedCountFails_AFailureIsStillCountedOnThisNode_AndNothingIsThrown()
    {
        var node = new FailedAuthenticationThrottle(_clock, perMinute: 2, new PostgresFailedAuthenticationCount(await _store.CreateAsync("failed_auth")));
        await using (var connection = new NpgsqlConnection(_store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DROP TABLE failed_authentications", connection);
            await command.ExecuteNonQueryAsync();
        }

        // Before, the store's error replaced the caller's AuthFailed answer (a wrong password was answered as a 500).
        await node.FailedAsync(Address, default);
        await node.FailedAsync(Address, default);

        Assert.Equal(50, node.SecondsToWait(Address));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _store.DisposeAsync().AsTask();
}
