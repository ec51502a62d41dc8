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
    public async Task AtAHighRate_EachNodeTakesABlockOfTokens_AndTogetherTheyNeverAdmitMoreThanTheBucket()
    {
        var limits = new RateLimitOptions { PermitsPerSecond = 1000, Burst = 1000 };
        var nodeA = new PostgresRateLimiter(await _store.CreateAsync("rate"), _clock, limits);
        var nodeB = new PostgresRateLimiter(_store.Node(), _clock, limits);
        Assert.Equal(10, nodeA.BlockSize);

        // The first call takes a block of 10 from the store; the next nine are spent locally.
        Assert.Equal(0, await nodeA.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(990, await TokensAsync("insurer-a"));
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(0, await nodeA.SecondsToWaitAsync("insurer-a", default));
        }

        Assert.Equal(990, await TokensAsync("insurer-a"));
        Assert.Equal(0, await nodeA.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(980, await TokensAsync("insurer-a"));

        // 600 calls on each node at once, the clock standing still: never more than the bucket is admitted. A node whose
        // calls have all been answered may be left holding part of a block, so up to a block less per node may be.
        var admitted = 11;
        var calls = Enumerable.Range(0, 1200).Select(async i => await (i % 2 == 0 ? nodeA : nodeB).SecondsToWaitAsync("insurer-a", default));
        admitted += (await Task.WhenAll(calls)).Count(wait => wait == 0);
        Assert.InRange(admitted, 1000 - (2 * (nodeA.BlockSize - 1)), 1000);
        Assert.True(await TokensAsync("insurer-a") < 1);

        // Tokens a node took and did not spend within a second are dropped; the bucket refills to its size, no more. Both
        // nodes go on calling after it is empty, so whatever either holds is spent: exactly the bucket is admitted.
        _clock.Advance(PostgresRateLimiter.BlockLifetime + TimeSpan.FromSeconds(1));
        admitted = 0;
        for (var i = 0; i < 1100; i++)
        {
            admitted += await (i % 3 == 0 ? nodeB : nodeA).SecondsToWaitAsync("insurer-a", default) == 0 ? 1 : 0;
        }

        Assert.Equal(1000, admitted);
    }

    [PostgresFact]
    public async Task ARefusal_IsKeptUntilTheBucketHoldsAWholeToken_WithoutAskingTheStoreAgain()
    {
        // A bucket holds at least a second's tokens: 4.
        var limits = new RateLimitOptions { PermitsPerSecond = 4, Burst = 1 };
        var node = new PostgresRateLimiter(await _store.CreateAsync("rate"), _clock, limits);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(0, await node.SecondsToWaitAsync("insurer-a", default));
        }

        Assert.Equal(1, await node.SecondsToWaitAsync("insurer-a", default));

        // Refused at 0 tokens: a quarter of a second refills one. Until then the store is not asked (its row stays as it is).
        var before = await TokensAsync("insurer-a");
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        await _store.ScalarAsync("UPDATE rate_buckets SET tokens = 1 WHERE principal = 'insurer-a'");

        Assert.Equal(1, await node.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(1, await TokensAsync("insurer-a"));
        _clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, await node.SecondsToWaitAsync("insurer-a", default));
        Assert.Equal(0, before);
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

    private async Task<double> TokensAsync(string principal) =>
        (double)(await _store.ScalarAsync($"SELECT tokens FROM rate_buckets WHERE principal = '{principal}'"))!;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _store.DisposeAsync().AsTask();
}
