using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Exchange.Testing;

/// <summary>
/// Request envelopes written by hand, as a client's tooling or curl puts them on the wire. One source file, compiled into
/// each project that sends SOAP.
/// </summary>
/// <remarks>
/// <c>typed</c> writes the attributes the UsernameToken profile makes optional (<c>Password/@Type</c> of a PasswordText
/// token, <c>Nonce/@EncodingType</c>) as WCF and CXF do; without it the token is the minimal form a curl user writes.
/// Both must be accepted, so the tests send both.
/// </remarks>
public static class Envelopes
{
    public const string Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string Soap12 = "http://www.w3.org/2003/05/soap-envelope";
    public const string Soap12ContentType = "application/soap+xml; charset=utf-8";
    public const string Exchange = "urn:exchange:v1";
    public const string Wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    public const string Wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    public const string PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
    public const string PasswordDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
    public const string Base64Binary = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
    private const string Declaration = """<?xml version="1.0" encoding="utf-8"?>""";

    /// <summary>
    /// An envelope of namespace <paramref name="envelopeNs"/> (prefix s; prefix x = urn:exchange:v1) around
    /// <paramref name="body"/>, with a Header element holding <paramref name="header"/> unless it is null, and the XML
    /// declaration unless <paramref name="declaration"/> is false.
    /// </summary>
    public static string Of(string envelopeNs, string body, string? header = null, bool declaration = true) =>
        $"""{(declaration ? Declaration : "")}<s:Envelope xmlns:s="{envelopeNs}" xmlns:x="{Exchange}">{(header is null ? "" : $"<s:Header>{header}</s:Header>")}<s:Body>{body}</s:Body></s:Envelope>""";

    /// <summary>A PasswordText UsernameToken header (see the remarks for <paramref name="typed"/>).</summary>
    public static string TextToken(string user, string password, bool typed = true) =>
        $"""<wsse:Security xmlns:wsse="{Wsse}"><wsse:UsernameToken><wsse:Username>{Text(user)}</wsse:Username><wsse:Password{(typed ? $" Type=\"{PasswordText}\"" : "")}>{Text(password)}</wsse:Password></wsse:UsernameToken></wsse:Security>""";

    /// <summary>A PasswordDigest UsernameToken header: Base64(SHA-1(nonce + created + secret)), with a random nonce unless one is given.</summary>
    public static string DigestToken(string user, string secret, DateTimeOffset created, byte[]? nonce = null, bool typed = true)
    {
        nonce ??= RandomNumberGenerator.GetBytes(16);
        var createdText = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
#pragma warning disable CA5350 // the UsernameToken profile defines SHA-1
        var digest = Convert.ToBase64String(SHA1.HashData([.. nonce, .. Encoding.UTF8.GetBytes(createdText), .. Encoding.UTF8.GetBytes(secret)]));
#pragma warning restore CA5350
        return $"""<wsse:Security xmlns:wsse="{Wsse}" xmlns:wsu="{Wsu}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PasswordDigest}">{digest}</wsse:Password><wsse:Nonce{(typed ? $" EncodingType=\"{Base64Binary}\"" : "")}>{Convert.ToBase64String(nonce)}</wsse:Nonce><wsu:Created>{createdText}</wsu:Created></wsse:UsernameToken></wsse:Security>""";
    }

    /// <summary>Element text as an XML writer escapes it (&amp;, &lt;, &gt;; quotes stay as they are).</summary>
    private static string Text(string value) => new XText(value).ToString();
}
