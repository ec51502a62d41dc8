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

    /// <summary>The principal has as many unexpired nonces as the replay cache holds for it; the token is refused.</summary>
    TooManyNonces = 5,
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
    private readonly INonceStore _nonces;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;

    /// <summary>Creates the authenticator.</summary>
    public DigestAuthenticator(PrincipalRegistry registry, DigestSecrets secrets, INonceStore nonces, TimeProvider timeProvider, TimeSpan window)
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

    /// <summary>
    /// Checks a token's Created, nonce and digest without recording the nonce: <see cref="DigestOutcome.Accepted"/> here
    /// means "verified"; the caller records the nonce with <see cref="UseNonceAsync"/> once it admits the call (after the
    /// principal's rate limit), so calls refused before that never fill the replay cache.
    /// </summary>
    public DigestCheck Verify(string name, string nonceBase64, string created, string digest)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(nonceBase64);
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(digest);
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || (at - _timeProvider.GetUtcNow()).Duration() > _window)
        {
            return new DigestCheck(DigestOutcome.Stale, null, null);
        }

        byte[] nonce;
        try
        {
            // Convert ignores white space inside base64 text: the decoded bytes, not the text, identify a nonce.
            nonce = Convert.FromBase64String(nonceBase64);
        }
        catch (FormatException)
        {
            return new DigestCheck(DigestOutcome.BadNonce, null, null);
        }

        if (nonce.Length < MinNonceBytes)
        {
            return new DigestCheck(DigestOutcome.BadNonce, null, null);
        }

        var principal = _registry.Find(name);
        var secret = principal is null ? null : _secrets.Find(principal.Name);

        // Compute a digest even for an unknown name, so timing does not tell which names exist.
        var expected = Encoding.ASCII.GetBytes(ComputeDigest(nonce, created, secret ?? "\0no secret\0"));
        var sent = Encoding.ASCII.GetBytes(digest.Trim());
        if (secret is null || !CryptographicOperations.FixedTimeEquals(expected, sent))
        {
            return new DigestCheck(DigestOutcome.WrongCredentials, null, null);
        }

        return new DigestCheck(DigestOutcome.Accepted, principal, nonce);
    }

    /// <summary>
    /// Records the nonce of a verified token: <see cref="DigestOutcome.Accepted"/> the first time,
    /// <see cref="DigestOutcome.Replayed"/> when it was used before within the window (on any node sharing the nonce store),
    /// <see cref="DigestOutcome.TooManyNonces"/> when the principal has as many live nonces as the store may hold.
    /// </summary>
    public async ValueTask<DigestOutcome> UseNonceAsync(DigestCheck verified, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verified);
        if (verified.Outcome != DigestOutcome.Accepted || verified.Principal is null || verified.Nonce is null)
        {
            throw new ArgumentException($"Only a verified token's nonce is recorded; this check ended {verified.Outcome}.", nameof(verified));
        }

        return await _nonces.TryUseAsync(verified.Principal.Name, verified.Nonce, cancellationToken).ConfigureAwait(false) switch
        {
            NonceUse.Recorded => DigestOutcome.Accepted,
            NonceUse.Replayed => DigestOutcome.Replayed,
            _ => DigestOutcome.TooManyNonces,
        };
    }
}

/// <summary>A checked <c>PasswordDigest</c> token: the principal and decoded nonce only when <see cref="Outcome"/> is Accepted.</summary>
public sealed record DigestCheck(DigestOutcome Outcome, Principal? Principal, byte[]? Nonce);
