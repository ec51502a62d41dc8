using System.Collections.Concurrent;

namespace Exchange.Core.Security;

/// <summary>
/// Remembers the <c>wsse:Nonce</c>s of accepted <c>PasswordDigest</c> tokens for the replay window, so a captured token
/// cannot be sent again while its <c>Created</c> is still fresh.
/// </summary>
/// <remarks>Only verified tokens are remembered, so guessing cannot fill the cache; expired entries are swept as it grows.</remarks>
public sealed class NonceReplayCache
{
    private const int SweepThreshold = 4096;

    private readonly ConcurrentDictionary<(string Principal, string Nonce), DateTimeOffset> _seen = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;

    /// <summary>Creates an empty cache that remembers nonces for twice <paramref name="window"/> (a Created may be that far either way).</summary>
    public NonceReplayCache(TimeProvider timeProvider, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _window = window;
    }

    /// <summary>Records <paramref name="nonce"/> for <paramref name="principal"/>; false when it was seen within the window (a replay).</summary>
    public bool TryUse(string principal, string nonce)
    {
        var now = _timeProvider.GetUtcNow();
        if (_seen.Count >= SweepThreshold)
        {
            foreach (var (key, expires) in _seen)
            {
                if (expires <= now)
                {
                    _seen.TryRemove(key, out _);
                }
            }
        }

        var expiresAt = now + _window + _window;
        var key2 = (principal, nonce);
        while (true)
        {
            if (_seen.TryAdd(key2, expiresAt))
            {
                return true;
            }

            if (_seen.TryGetValue(key2, out var existing) && existing > now)
            {
                return false;
            }

            // An expired entry: replace it only if nobody else did meanwhile.
            if (_seen.TryUpdate(key2, expiresAt, existing))
            {
                return true;
            }
        }
    }
}
