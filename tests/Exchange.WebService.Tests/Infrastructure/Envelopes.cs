using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace Exchange.WebService.Tests.Infrastructure;

/// <summary>Hand-written request envelopes, as a client's tooling would put them on the wire.</summary>
public static class Envelopes
{
    public const string Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string Soap12 = "http://www.w3.org/2003/05/soap-envelope";
    public const string Soap12ContentType = "application/soap+xml; charset=utf-8";

    /// <summary>An envelope of namespace <paramref name="envelopeNs"/> with <paramref name="header"/> and <paramref name="body"/> (prefix x = urn:exchange:v1).</summary>
    public static string Of(string envelopeNs, string body, string header = "") =>
        $"""<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{envelopeNs}" xmlns:x="urn:exchange:v1">{(header.Length == 0 ? "" : $"<s:Header>{header}</s:Header>")}<s:Body>{body}</s:Body></s:Envelope>""";

    /// <summary>A PasswordText UsernameToken header.</summary>
    public static string TextToken(string user, string password) =>
        $"""<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>{SecurityElement.Escape(user)}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{SecurityElement.Escape(password)}</wsse:Password></wsse:UsernameToken></wsse:Security>""";

    /// <summary>A PasswordDigest UsernameToken header: Base64(SHA-1(nonce + created + secret)).</summary>
    public static string DigestToken(string user, string secret, DateTimeOffset created, byte[]? nonce = null)
    {
        nonce ??= RandomNumberGenerator.GetBytes(16);
        var createdText = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
#pragma warning disable CA5350 // the UsernameToken profile defines SHA-1
        var digest = Convert.ToBase64String(SHA1.HashData([.. nonce, .. Encoding.UTF8.GetBytes(createdText), .. Encoding.UTF8.GetBytes(secret)]));
#pragma warning restore CA5350
        return $"""<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest}</wsse:Password><wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">{Convert.ToBase64String(nonce)}</wsse:Nonce><wsu:Created>{createdText}</wsu:Created></wsse:UsernameToken></wsse:Security>""";
    }
}
