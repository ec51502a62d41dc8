using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Exchange.Core.Security;

/// <summary>The outcome of checking a <c>PasswordDigest</c> token.</summary>
public enum DigestOutcome
{
    /// <summary>The digest matches the principal's secret; the nonce was new and Created fresh.</summary>
    Accepted = 0,

    /// <summary>Unknown name, a principal without a digest secret, or a digest that does not match.</summary>
    WrongCredentials = 1,

    /// <summary><c>Created</c> is not a timestamp or lies outside the replay window.</summary>
    Stale = 2,

    /// <summary>The nonce was used before within the window.</summary>
    Replayed = 3,

    /// <summary>The nonce is not base64 or too short.</summary>
    BadNonce = 4,
}

/// <summary>
/// Checks WS-Security UsernameToken Profile 1.0 <c>PasswordDigest</c>: Base64(SHA-1(nonce + created + secret)), with
/// <c>Created</c> within the replay window of the service clock and each nonce accepted once.
/// </summary>
public sealed class DigestAuthenticator
{
    private const int MinNonceBytes = 8;

    private readonly PrincipalRegistry _registry;
    private readonly DigestSecrets _secrets;
    private readonly NonceReplayCache _nonces;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;

    /// <summary>Creates the authenticator.</summary>
    public DigestAuthenticator(PrincipalRegistry registry, DigestSecrets secrets, NonceReplayCache nonces, TimeProvider timeProvider, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(nonces);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _registry = registry;
        _secrets = secrets;
        _nonces = nonces;
        _timeProvider = timeProvider;
        _window = window;
    }

    /// <summary>The replay window: how far Created may be from the service clock.</summary>
    public TimeSpan Window => _window;

    /// <summary>The digest a client computes: Base64(SHA-1(nonce bytes + UTF-8 created + UTF-8 secret)).</summary>
    public static string ComputeDigest(byte[] nonce, string created, string secret)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(secret);
        byte[] input = [.. nonce, .. Encoding.UTF8.GetBytes(created), .. Encoding.UTF8.GetBytes(secret)];

        // SHA-1 is what the UsernameToken profile defines; the secret's strength and the nonce/Created checks carry the security.
#pragma warning disable CA5350
        return Convert.ToBase64String(SHA1.HashData(input));
#pragma warning restore CA5350
    }

    /// <summary>Checks a token; the principal is returned only with <see cref="DigestOutcome.Accepted"/>.</summary>
    public (DigestOutcome Outcome, Principal? Principal) Authenticate(string name, string nonceBase64, string created, string digest)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(nonceBase64);
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(digest);
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || (at - _timeProvider.GetUtcNow()).Duration() > _window)
        {
            return (DigestOutcome.Stale, null);
        }

        byte[] nonce;
        try
        {
            nonce = Convert.FromBase64String(nonceBase64);
        }
        catch (FormatException)
        {
            return (DigestOutcome.BadNonce, null);
        }

        if (nonce.Length < MinNonceBytes)
        {
            return (DigestOutcome.BadNonce, null);
        }

        var principal = _registry.Find(name);
        var secret = principal is null ? null : _secrets.Find(principal.Name);

        // Compute a digest even for an unknown name, so timing does not tell which names exist.
        var expected = Encoding.ASCII.GetBytes(ComputeDigest(nonce, created, secret ?? "\0no secret\0"));
        var sent = Encoding.ASCII.GetBytes(digest.Trim());
        if (secret is null || !CryptographicOperations.FixedTimeEquals(expected, sent))
        {
            return (DigestOutcome.WrongCredentials, null);
        }

        return _nonces.TryUse(principal!.Name, nonceBase64) ? (DigestOutcome.Accepted, principal) : (DigestOutcome.Replayed, null);
    }
}
