using System.Security.Cryptography;
using Exchange.Core.Security;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Security;

/// <summary>The behaviour every <see cref="INonceStore"/> must have, run against each implementation.</summary>
public abstract class NonceStoreContract
{
    protected static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 6, 1, 2, 3, TimeSpan.Zero));

    /// <summary>A new store that has recorded nothing, remembering nonces for twice <see cref="Window"/> on <see cref="Clock"/>.</summary>
    protected abstract Task<INonceStore> CreateAsync();

    [Fact]
    public async Task TryUse_RecordsANewNonce_AndRefusesItsReplay()
    {
        var store = await CreateAsync();
        var nonce = RandomNumberGenerator.GetBytes(16);

        Assert.Equal(NonceUse.Recorded, await store.TryUseAsync("insurer-a", nonce, default));
        Assert.Equal(NonceUse.Replayed, await store.TryUseAsync("insurer-a", [.. nonce], default));
        Assert.Equal(NonceUse.Recorded, await store.TryUseAsync("insurer-a", RandomNumberGenerator.GetBytes(16), default));
    }

    [Fact]
    public async Task TryUse_KeepsEachPrincipalsNoncesApart()
    {
        var store = await CreateAsync();
        var nonce = RandomNumberGenerator.GetBytes(16);

        Assert.Equal(NonceUse.Recorded, await store.TryUseAsync("insurer-a", nonce, default));
        Assert.Equal(NonceUse.Recorded, await store.TryUseAsync("insurer-b", nonce, default));
    }

    [Fact]
    public async Task TryUse_RefusesAReplayForTwiceTheWindow_AndTakesTheNonceAgainAfterwards()
    {
        var store = await CreateAsync();
        var nonce = RandomNumberGenerator.GetBytes(16);
        await store.TryUseAsync("insurer-a", nonce, default);

        Clock.Advance(Window + Window - TimeSpan.FromSeconds(1));
        Assert.Equal(NonceUse.Replayed, await store.TryUseAsync("insurer-a", nonce, default));

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NonceUse.Recorded, await store.TryUseAsync("insurer-a", nonce, default));
        Assert.Equal(NonceUse.Replayed, await store.TryUseAsync("insurer-a", nonce, default));
    }
}

public sealed class NonceReplayCacheContractTests : NonceStoreContract
{
    protected override Task<INonceStore> CreateAsync() => Task.FromResult<INonceStore>(new NonceReplayCache(Clock, Window, maxPerPrincipal: 100));
}
