using System.Text;
using System.Xml.Linq;
using Exchange.Core.Delivery;

namespace Exchange.WebService.Soap;

/// <summary>A user name and password as the caller sent them, and where they came from.</summary>
/// <param name="UserName">The claimed principal name.</param>
/// <param name="Password">The clear-text password; never logged, never stored.</param>
/// <param name="Source"><c>UsernameToken</c>, <c>PasswordDigest</c> or <c>Basic</c>.</param>
/// <param name="Nonce">The base64 <c>wsse:Nonce</c> of a <c>PasswordDigest</c> token.</param>
/// <param name="Created">The <c>wsu:Created</c> of a <c>PasswordDigest</c> token.</param>
internal sealed record SoapCredentials(string UserName, string Password, string Source, string? Nonce = null, string? Created = null)
{
    /// <summary>The <see cref="Source"/> of a <c>PasswordDigest</c> token; <see cref="Password"/> then holds the digest.</summary>
    public const string DigestSource = "PasswordDigest";

    // Longer names are not configured principals; keeps logs and audit rows bounded.
    private const int MaxUserNameLength = 128;

    /// <inheritdoc />
    public override string ToString() => $"{UserName} ({Source})";

    /// <summary>
    /// The credentials of a request: the WS-Security <c>UsernameToken</c> when the envelope has a <c>wsse:Security</c>
    /// header, otherwise HTTP Basic from <paramref name="authorizationHeader"/>.
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>AuthFailed</c> when there are none or they are malformed.</exception>
    public static SoapCredentials From(SoapEnvelope envelope, string? authorizationHeader)
    {
        var security = envelope.Security;
        if (security is not null)
        {
            return FromUsernameToken(security);
        }

        if (!string.IsNullOrEmpty(authorizationHeader))
        {
            return FromBasic(authorizationHeader);
        }

        throw Failed("The request carries no credentials; send a WS-Security UsernameToken (PasswordText or PasswordDigest) in the SOAP header or an HTTP Basic Authorization header.");
    }

    private static SoapCredentials FromUsernameToken(XElement security)
    {
        var wsse = SoapNamespaces.WsSecurity;
        var token = security.Element(wsse + "UsernameToken")
            ?? throw Failed("The wsse:Security header has no wsse:UsernameToken; send one with wsse:Username and wsse:Password (PasswordText or PasswordDigest).");
        var userName = token.Element(wsse + "Username")?.Value.Trim();
        var password = token.Element(wsse + "Password");
        if (string.IsNullOrEmpty(userName) || password is null)
        {
            throw Failed("The wsse:UsernameToken needs both wsse:Username and wsse:Password.");
        }

        var type = (string?)password.Attribute("Type");
        if (string.Equals(type, SoapNamespaces.PasswordDigest, StringComparison.Ordinal))
        {
            var nonce = token.Element(wsse + "Nonce")?.Value.Trim();
            var created = token.Element(SoapNamespaces.WsUtility + "Created")?.Value.Trim();
            if (string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(created))
            {
                throw Failed("A PasswordDigest wsse:UsernameToken needs wsse:Nonce (base64) and wsu:Created (UTC timestamp).");
            }

            var encoding = (string?)token.Element(wsse + "Nonce")!.Attribute("EncodingType");
            if (encoding is not null && !encoding.EndsWith("#Base64Binary", StringComparison.Ordinal))
            {
                throw Failed($"wsse:Nonce EncodingType '{Bounded(encoding)}' is not supported; send the nonce as Base64Binary.");
            }

            return new SoapCredentials(Bounded(userName), password.Value.Trim(), DigestSource, Bounded(nonce), Bounded(created));
        }

        if (type is not null && !string.Equals(type, SoapNamespaces.PasswordText, StringComparison.Ordinal))
        {
            throw Failed($"wsse:Password Type '{Bounded(type)}' is not supported; use {SoapNamespaces.PasswordText} or {SoapNamespaces.PasswordDigest}.");
        }

        return new SoapCredentials(Bounded(userName), password.Value, "UsernameToken");
    }

    private static SoapCredentials FromBasic(string header)
    {
        const string Scheme = "Basic ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw Failed("The Authorization header is not HTTP Basic; send 'Basic base64(name:password)' or a WS-Security UsernameToken.");
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(header[Scheme.Length..].Trim()));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw Failed("The HTTP Basic credentials are not base64 of UTF-8 'name:password'.");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw Failed("The HTTP Basic credentials are not 'name:password'.");
        }

        return new SoapCredentials(Bounded(decoded[..colon]), decoded[(colon + 1)..], "Basic");
    }

    private static string Bounded(string text) => text.Length <= MaxUserNameLength ? text : text[..MaxUserNameLength];

    private static ExchangeFaultException Failed(string message) => new(ExchangeFaultCode.AuthFailed, message);
}
