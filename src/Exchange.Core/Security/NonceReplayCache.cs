using System.Collections.Concurrent;

namespace Exchange.Core.Security;

/// <summary>The outcome of recording a nonce.</summary>
public enum NonceUse
{
    /// <summary>The nonce was new and is now recorded.</summary>
    Recorded = 0,

    /// <summary>The nonce was used before within the window: a replay.</summary>
    Replayed = 1,

    /// <summary>The principal already has as many live nonces as it may; nothing was recorded.</summary>
    Full = 2,
}

/// <summary>
/// Remembers the decoded <c>wsse:Nonce</c> bytes of accepted <c>PasswordDigest</c> tokens per principal for twice the replay
/// window, so a captured token cannot be sent again, however its base64 text is re-encoded, while its <c>Created</c> is fresh.
/// </summary>
/// <remarks>
/// Each principal has its own bounded set and a queue in expiry order: a call first drops the expired entries at the head
/// of the queue (each entry is dropped once, so O(1) amortised), never a scan of the whole cache. A principal whose set is
/// full of live nonces is refused rather than forgetting one early: forgetting would let that nonce be replayed.
/// </remarks>
public sealed class NonceReplayCache : INonceStore
{
    private readonly ConcurrentDictionary<string, PrincipalNonces> _byPrincipal = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lifetime;
    private readonly int _maxPerPrincipal;

    /// <summary>
    /// Creates an empty cache that remembers nonces for twice <paramref name="window"/> (a Created may be that far either way),
    /// at most <paramref name="maxPerPrincipal"/> live nonces per principal.
    /// </summary>
    public NonceReplayCache(TimeProvider timeProvider, TimeSpan window, int maxPerPrincipal)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerPrincipal, 1);
        _timeProvider = timeProvider;
        _lifetime = window + window;
        _maxPerPrincipal = maxPerPrincipal;
    }

    /// <summary>
    /// The bound that never refuses a principal keeping to its rate limit: every call a bucket of <paramref name="burst"/>
    /// refilled with <paramref name="permitsPerSecond"/> can admit within twice <paramref name="window"/>, with a floor of
    /// 10,000 for unlimited principals.
    /// </summary>
    public static int BoundFor(TimeSpan window, int permitsPerSecond, int burst)
    {
        if (permitsPerSecond <= 0)
        {
            return 10_000;
        }

        var admitted = Math.Max(burst, permitsPerSecond) + (permitsPerSecond * 2 * window.TotalSeconds);
        return (int)Math.Clamp(Math.Ceiling(admitted), 1, 1_000_000);
    }

    /// <summary>Live nonces remembered for <paramref name="principal"/> (tests and the status page).</summary>
    public int CountFor(string principal) => _byPrincipal.TryGetValue(principal, out var nonces) ? nonces.Count : 0;

    /// <summary>Records the decoded <paramref name="nonce"/> for <paramref name="principal"/>.</summary>
    public NonceUse TryUse(string principal, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var now = _timeProvider.GetUtcNow();
        var nonces = _byPrincipal.GetOrAdd(principal, _ => new PrincipalNonces());
        return nonces.TryUse(Convert.ToBase64String(nonce), now, now + _lifetime, _maxPerPrincipal);
    }

    /// <inheritdoc />
    public ValueTask<NonceUse> TryUseAsync(string principal, byte[] nonce, CancellationToken cancellationToken) => new(TryUse(principal, nonce));

    private sealed class PrincipalNonces
    {
        private readonly HashSet<string> _live = new(StringComparer.Ordinal);
        private readonly Queue<(DateTimeOffset ExpiresAt, string Nonce)> _byExpiry = new();

        public int Count
        {
            get
            {
                lock (_live)
                {
                    return _live.Count;
                }
            }
        }

        public NonceUse TryUse(string nonce, DateTimeOffset now, DateTimeOffset expiresAt, int max)
        {
            lock (_live)
            {
                // Entries expire in the order they were added (a fixed lifetime on a clock that moves forward).
                while (_byExpiry.TryPeek(out var head) && head.ExpiresAt <= now)
                {
                    _byExpiry.Dequeue();
                    _live.Remove(head.Nonce);
                }

                if (_live.Contains(nonce))
                {
                    return NonceUse.Replayed;
                }

                if (_live.Count >= max)
                {
                    return NonceUse.Full;
                }

                _live.Add(nonce);
                _byExpiry.Enqueue((expiresAt, nonce));
                return NonceUse.Recorded;
            }
        }
    }
}
