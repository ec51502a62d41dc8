using Exchange.Core.Security;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Security;

public sealed class NonceReplayCacheTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryUse_RefusesTheSameBytes_ForTheSamePrincipal_Only()
    {
        var cache = new NonceReplayCache(_clock, Window, maxPerPrincipal: 10);
        byte[] nonce = [1, 2, 3, 4, 5, 6, 7, 8];

        Assert.Equal(NonceUse.Recorded, cache.TryUse("a", nonce));
        Assert.Equal(NonceUse.Replayed, cache.TryUse("a", (byte[])[.. nonce]));
        Assert.Equal(NonceUse.Recorded, cache.TryUse("b", nonce));
    }

    [Fact]
    public void TryUse_ForgetsANonce_AfterTwiceTheWindow_AndDropsItFromTheCount()
    {
        var cache = new NonceReplayCache(_clock, Window, maxPerPrincipal: 10);
        cache.TryUse("a", [1, 1, 1, 1, 1, 1, 1, 1]);
        _clock.Advance(Window + Window - TimeSpan.FromSeconds(1));
        Assert.Equal(NonceUse.Replayed, cache.TryUse("a", [1, 1, 1, 1, 1, 1, 1, 1]));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NonceUse.Recorded, cache.TryUse("a", [2, 2, 2, 2, 2, 2, 2, 2]));

        Assert.Equal(1, cache.CountFor("a"));
        Assert.Equal(NonceUse.Recorded, cache.TryUse("a", [1, 1, 1, 1, 1, 1, 1, 1]));
    }

    [Fact]
    public void TryUse_IsBoundedPerPrincipal_RefusingRatherThanForgettingALiveNonce()
    {
        var cache = new NonceReplayCache(_clock, Window, maxPerPrincipal: 3);
        for (byte i = 0; i < 3; i++)
        {
            Assert.Equal(NonceUse.Recorded, cache.TryUse("a", [i, i, i, i, i, i, i, i]));
        }

        Assert.Equal(NonceUse.Full, cache.TryUse("a", [9, 9, 9, 9, 9, 9, 9, 9]));
        Assert.Equal(NonceUse.Replayed, cache.TryUse("a", [0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Equal(NonceUse.Recorded, cache.TryUse("b", [9, 9, 9, 9, 9, 9, 9, 9]));
        Assert.Equal(3, cache.CountFor("a"));
    }

    [Theory]
    [InlineData(20, 40, 300, 12_040)]
    [InlineData(1, 1, 30, 61)]
    [InlineData(0, 40, 300, 10_000)]
    public void BoundFor_AdmitsEveryCallTheRateLimitLetsThrough(int permits, int burst, int windowSeconds, int expected) =>
        Assert.Equal(expected, NonceReplayCache.BoundFor(TimeSpan.FromSeconds(windowSeconds), permits, burst));
}
