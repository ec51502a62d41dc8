using System.Globalization;
using System.Net;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Soap;

/// <summary>
/// Who is calling the SOAP endpoint: a bound TLS client certificate, a WS-Security <c>UsernameToken</c>
/// (<c>PasswordText</c> or <c>PasswordDigest</c>) or HTTP Basic. Clear-text credentials are taken only over TLS or from
/// loopback; every refusal is <c>AuthFailed</c> with a message saying what to fix, and is logged with its reason.
/// </summary>
internal sealed class SoapAuthentication(
    PrincipalAuthenticator authenticator,
    DigestAuthenticator digestAuthenticator,
    ClientCertificateMap certificates,
    PrincipalRegistry registry,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    // Logged under the endpoint's name, where operators have always found authentication failures.
    private readonly ILogger _logger = loggerFactory.CreateLogger<SoapEndpoint>();

    /// <summary>
    /// The principal of a call (client certificate, WS-Security <c>UsernameToken</c> or HTTP Basic) and, for a
    /// <c>PasswordDigest</c> token, its verified check, whose nonce the caller records with <see cref="UseNonceAsync"/> once the
    /// principal's rate limit admitted the call.
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>AuthFailed</c> naming what was wrong; <c>Unavailable</c> when no password check could start.</exception>
    public async Task<(Principal Principal, DigestCheck? Digest)> AuthenticateAsync(SoapEnvelope envelope, HttpContext context, IPAddress? remoteAddress, bool secure, string remote)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var certificatePrincipal = certificates.PrincipalFor(context.Connection.ClientCertificate);
        if (certificatePrincipal is not null && envelope.Security is null && string.IsNullOrEmpty(authorization))
        {
            // A TLS client certificate bound to a principal authenticates on its own.
            return (registry.Find(certificatePrincipal) ?? throw AuthFailed(certificatePrincipal, remote, "certificate bound to an unknown principal"), null);
        }

        SoapCredentials credentials;
        try
        {
            credentials = SoapCredentials.From(envelope, authorization);
        }
        catch (ExchangeFaultException ex)
        {
            SoapLog.AuthenticationFailed(_logger, StrangerAudit.Anonymous, remote, ex.Message);
            throw;
        }

        if (credentials.Source != SoapCredentials.DigestSource && !CallerEndpoint.MayReceiveClearText(remoteAddress, secure))
        {
            // Checked before the password: a clear-text password that crossed a network in the open is refused whether right or wrong.
            throw AuthFailed(credentials.UserName, remote, $"clear-text credentials ({credentials.Source}) over plain HTTP from a non-loopback address",
                $"Authentication failed: clear-text credentials ({(credentials.Source == "Basic" ? "HTTP Basic" : "a PasswordText UsernameToken")}) are accepted only over HTTPS or from loopback, and this call came over plain HTTP from {remote}. Call the https:// address, or send a PasswordDigest UsernameToken or a client certificate.");
        }

        Principal? principal;
        DigestCheck? digest = null;
        if (credentials.Source == SoapCredentials.DigestSource)
        {
            digest = digestAuthenticator.Verify(credentials.UserName, credentials.Nonce!, credentials.Created!, credentials.Password);
            var window = ReplayWindowMinutes;
            principal = digest.Outcome switch
            {
                DigestOutcome.Accepted => digest.Principal,
                DigestOutcome.Stale => throw AuthFailed(credentials.UserName, remote, "stale Created",
                    $"Authentication failed: wsu:Created '{credentials.Created}' is not within ±{window} minutes of the service clock ({timeProvider.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}); send the current UTC time and check the client's clock."),
                DigestOutcome.BadNonce => throw AuthFailed(credentials.UserName, remote, "bad nonce",
                    "Authentication failed: wsse:Nonce must be base64 of at least 8 random bytes."),
                _ => null,
            };
        }
        else
        {
            principal = await authenticator.AuthenticateAsync(credentials.UserName, credentials.Password, context.RequestAborted).ConfigureAwait(false);
        }

        if (principal is null)
        {
            // The same answer for an unknown name and a wrong password, so names cannot be probed.
            throw AuthFailed(credentials.UserName, remote, $"unknown name or wrong password ({credentials.Source})");
        }

        if (certificatePrincipal is not null && !string.Equals(certificatePrincipal, principal.Name, StringComparison.Ordinal))
        {
            throw AuthFailed(credentials.UserName, remote, $"client certificate is bound to '{certificatePrincipal}'");
        }

        return (principal, digest);
    }

    // The replay window as fault messages name it ("5 minutes").
    private string ReplayWindowMinutes => digestAuthenticator.Window.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Records the nonce of a verified digest token.</summary>
    /// <exception cref="ExchangeFaultException"><c>AuthFailed</c> for a replayed nonce or a principal with as many live nonces as it may have.</exception>
    public async Task UseNonceAsync(DigestCheck digest, string remote, CancellationToken cancellationToken)
    {
        var outcome = await digestAuthenticator.UseNonceAsync(digest, cancellationToken).ConfigureAwait(false);
        var window = ReplayWindowMinutes;
        switch (outcome)
        {
            case DigestOutcome.Accepted:
                return;
            case DigestOutcome.Replayed:
                throw AuthFailed(digest.Principal!.Name, remote, "replayed nonce",
                    $"Authentication failed: this wsse:Nonce was already used within the last {window} minutes; send a fresh random nonce with every request.");
            default:
                throw AuthFailed(digest.Principal!.Name, remote, "too many live nonces",
                    $"Authentication failed: '{digest.Principal!.Name}' has sent more fresh nonces within {window} minutes than its rate limit allows; slow down and send a fresh random nonce with every request.");
        }
    }

    private ExchangeFaultException AuthFailed(string user, string remote, string reason, string? message = null)
    {
        SoapLog.AuthenticationFailed(_logger, user, remote, reason);
        return new ExchangeFaultException(
            ExchangeFaultCode.AuthFailed,
            message ?? "Authentication failed: unknown name or wrong password. Check the configured credentials.");
    }
}
