using Exchange.Core.Configuration;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Security;

/// <summary>The per-principal token bucket of several nodes on one PostgreSQL staging store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRateLimiterTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 1, 2, 3, TimeSpan.Zero));
    private readonly SharedStagingStore _store;

    public PostgresRateLimiterTests(PostgresCluster cluster)
    {
        _store = new SharedStagingStore(cluster, _clock);
    }

    [PostgresFact]
    public async Task TheNodesTogether_AdmitTheBurst_ThenOneCallPerToken()
    {
        var limits = new RateLimitOptions { PermitsPerSecond = 2, Burst = 5 };
        var nodeA = new PostgresRateLimiter(await _store.CreateAsync("rate"), _clock, limits);
        var nodeB = new PostgresRateLimiter(_store.Node(), _clock, limits);

        var waits = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            waits.Add(await (i % 2 == 0 ? nodeA : nodeB).SecondsToWaitAsync("insurer-a", default));
        }

        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], waits);
        Assert.Equal(0, await nodeB.SecondsToWaitAsync("insurer-b", default));

        // Half a second refills one token (2 a second), taken by whichever node asks first.
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, await nodeB.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(1, await nodeA.SecondsToWaitAsync("insurer-a", default));

        // A long pause refills no more than the bucket holds.
        _clock.Advance(TimeSpan.FromMinutes(10));
        var afterPause = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            afterPause.Add(await nodeA.SecondsToWaitAsync("insurer-a", default));
        }

        Assert.Equal([0, 0, 0, 0, 0, 1], afterPause);
    }

    [PostgresFact]
    public async Task ANodeWhoseClockIsBehind_RefillsNothing_RatherThanTakingTokensBack()
    {
        var limits = new RateLimitOptions { PermitsPerSecond = 1, Burst = 1 };
        var ahead = new PostgresRateLimiter(await _store.CreateAsync("rate"), _clock, limits);
        var behind = new PostgresRateLimiter(_store.Node(), new FakeTimeProvider(_clock.GetUtcNow() - TimeSpan.FromSeconds(5)), limits);

        Assert.Equal(0, await ahead.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(1, await behind.SecondsToWaitAsync("insurer-a", default));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await ahead.SecondsToWaitAsync("insurer-a", default));
    }

    [PostgresFact]
    public async Task WithoutALimit_TheStoreIsNotAsked()
    {
        var unlimited = new PostgresRateLimiter(await _store.CreateAsync("rate"), _clock, new RateLimitOptions { PermitsPerSecond = 0 });

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, await unlimited.SecondsToWaitAsync("insurer-a", default));
        }

        Assert.Equal(0L, await _store.CountAsync("rate_buckets"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _store.DisposeAsync().AsTask();
}
