using System.Security.Cryptography;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Security;

/// <summary>The nonce store of several nodes on one PostgreSQL staging store: the contract, shared by two instances.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresNonceStoreTests : NonceStoreContract, IAsyncLifetime
{
    private readonly SharedStagingStore _store;

    public PostgresNonceStoreTests(PostgresCluster cluster)
    {
        _store = new SharedStagingStore(cluster, Clock);
    }

    protected override async Task<INonceStore> CreateAsync() => new PostgresNonceStore(await _store.CreateAsync("nonces"), Clock, Window);

    [PostgresFact]
    public async Task ANonceUsedOnOneNode_IsRefusedOnAnother()
    {
        var nodeA = await CreateAsync();
        var nodeB = new PostgresNonceStore(_store.Node(), Clock, Window);
        var nonce = RandomNumberGenerator.GetBytes(16);

        Assert.Equal(NonceUse.Recorded, await nodeA.TryUseAsync("insurer-a", nonce, default));
        Assert.Equal(NonceUse.Replayed, await nodeB.TryUseAsync("insurer-a", nonce, default));
    }

    [PostgresFact]
    public async Task OneNonceSentToTwoNodesAtOnce_IsRecordedExactlyOnce()
    {
        var nodes = new INonceStore[] { await CreateAsync(), new PostgresNonceStore(_store.Node(), Clock, Window) };
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

        Assert.Equal(50, await _store.CountAsync("used_nonces"));

        // The first call after the nonces' lifetime, a window's margin and the purge interval deletes them before recording its own.
        Clock.Advance(Window + Window + Window + PostgresNonceStore.PurgeEvery);
        await store.TryUseAsync("insurer-a", RandomNumberGenerator.GetBytes(16), default);

        Assert.Equal(1, await _store.CountAsync("used_nonces"));
    }

    [PostgresFact]
    public async Task ANodeWhoseClockRunsFast_DoesNotPurgeANonceAnotherNodeStillHolds()
    {
        var nodeA = await CreateAsync();
        var nonce = RandomNumberGenerator.GetBytes(16);
        Assert.Equal(NonceUse.Recorded, await nodeA.TryUseAsync("insurer-a", nonce, default));

        // One second before the nonce expires on A's clock, node B (a minute fast) purges on its first call.
        Clock.Advance(Window + Window - TimeSpan.FromSeconds(1));
        var fast = new FakeTimeProvider(Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        var nodeB = new PostgresNonceStore(_store.Node(), fast, Window);
        Assert.Equal(NonceUse.Recorded, await nodeB.TryUseAsync("insurer-a", RandomNumberGenerator.GetBytes(16), default));

        Assert.Equal(NonceUse.Replayed, await nodeA.TryUseAsync("insurer-a", nonce, default));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _store.DisposeAsync().AsTask();
}
