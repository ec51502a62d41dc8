using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Exchange.Core.Security;

/// <summary>
/// Remembers recent successful password verifications so that a poller does not pay for a full PBKDF2 run on every call.
/// </summary>
/// <remarks>
/// The password is never stored: the key is the principal name and an HMAC-SHA256 of the password under a random key
/// that lives only in this process. An entry also remembers the stored hash it was verified against, so a changed
/// password hash in the configuration is never answered from the cache.
/// </remarks>
public sealed class VerifiedCredentialCache
{
    /// <summary>How long a verification is remembered unless another lifetime is given.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    // Entries are only added after a successful verification, so the cache cannot be flooded by guessing;
    // the sweep keeps old entries of rotated passwords from piling up.
    private const int SweepThreshold = 1024;

    private readonly ConcurrentDictionary<(string Principal, string Mac), Entry> _entries = new();
    private readonly byte[] _macKey = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lifetime;

    /// <summary>Creates an empty cache.</summary>
    public VerifiedCredentialCache(TimeProvider timeProvider, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _lifetime = lifetime ?? DefaultLifetime;
    }

    /// <summary>Whether <paramref name="password"/> was verified for <paramref name="principal"/> against its current hash recently.</summary>
    public bool IsVerified(Principal principal, string password)
    {
        var key = (principal.Name, Mac(password));
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= _timeProvider.GetUtcNow() || !string.Equals(entry.PasswordHash, principal.PasswordHash, StringComparison.Ordinal))
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        return true;
    }

    /// <summary>Remembers that <paramref name="password"/> matched <paramref name="principal"/>'s current hash.</summary>
    public void Remember(Principal principal, string password)
    {
        var now = _timeProvider.GetUtcNow();
        if (_entries.Count >= SweepThreshold)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAt <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }

        _entries[(principal.Name, Mac(password))] = new Entry(now + _lifetime, principal.PasswordHash);
    }

    private string Mac(string password) => Convert.ToBase64String(HMACSHA256.HashData(_macKey, Encoding.UTF8.GetBytes(password)));

    private sealed record Entry(DateTimeOffset ExpiresAt, string PasswordHash);
}
