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

    [ThreadStatic]
    private static byte[]? t_hmacKey;

    [ThreadStatic]
    private static HMACSHA256? t_hmac;

    private readonly ConcurrentDictionary<(string Principal, PasswordMac Mac), Entry> _entries = new();
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
        ArgumentNullException.ThrowIfNull(principal);
        return IsVerified(principal.Name, principal.PasswordHash, password);
    }

    /// <summary>Whether <paramref name="password"/> was verified for <paramref name="name"/> against <paramref name="passwordHash"/> recently.</summary>
    public bool IsVerified(string name, string passwordHash, string password)
    {
        var key = (name, Mac(password));
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= _timeProvider.GetUtcNow() || !string.Equals(entry.PasswordHash, passwordHash, StringComparison.Ordinal))
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        return true;
    }

    /// <summary>Remembers that <paramref name="password"/> matched <paramref name="principal"/>'s current hash.</summary>
    public void Remember(Principal principal, string password)
    {
        ArgumentNullException.ThrowIfNull(principal);
        Remember(principal.Name, principal.PasswordHash, password);
    }

    /// <summary>Remembers that <paramref name="password"/> matched <paramref name="passwordHash"/>, the current hash of <paramref name="name"/>.</summary>
    public void Remember(string name, string passwordHash, string password)
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

        _entries[(name, Mac(password))] = new Entry(now + _lifetime, passwordHash);
    }

    // One HMAC object per thread and cache key: the one-shot HMACSHA256.HashData sets up a new native context every call,
    // which cost more than the rest of authenticating a cached caller.
    private PasswordMac Mac(string password)
    {
        var hmac = t_hmac;
        if (hmac is null || !ReferenceEquals(t_hmacKey, _macKey))
        {
            hmac?.Dispose();
            hmac = new HMACSHA256(_macKey);
            t_hmac = hmac;
            t_hmacKey = _macKey;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(password.Length);
        var rented = maxBytes <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(maxBytes);
        Span<byte> bytes = rented ?? stackalloc byte[512];
        try
        {
            var length = Encoding.UTF8.GetBytes(password, bytes);
            Span<byte> mac = stackalloc byte[32];
            hmac.TryComputeHash(bytes[..length], mac, out _);
            CryptographicOperations.ZeroMemory(bytes[..length]);
            return new PasswordMac(
                System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac),
                System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac[16..]));
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private readonly record struct PasswordMac(UInt128 Low, UInt128 High);

    private sealed record Entry(DateTimeOffset ExpiresAt, string PasswordHash);
}
