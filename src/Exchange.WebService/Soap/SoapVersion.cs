using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Exchange.WebService.Soap;

/// <summary>
/// A SOAP version the service speaks: SOAP 1.1 (<c>text/xml</c>, <c>SOAPAction</c> header) or SOAP 1.2
/// (<c>application/soap+xml</c> with an optional <c>action</c> parameter). Chosen per request by the content type.
/// </summary>
internal sealed class SoapVersion
{
    /// <summary>SOAP 1.1: faults are answered with HTTP 500.</summary>
    public static readonly SoapVersion Soap11 = new("SOAP 1.1", SoapNamespaces.Soap11, "text/xml", "text/xml; charset=utf-8");

    /// <summary>SOAP 1.2: <c>env:Sender</c> faults with HTTP 400, every other fault with HTTP 500.</summary>
    public static readonly SoapVersion Soap12 = new("SOAP 1.2", SoapNamespaces.Soap12, "application/soap+xml", "application/soap+xml; charset=utf-8");

    private SoapVersion(string name, XNamespace envelope, string mediaType, string contentType)
    {
        Name = name;
        Envelope = envelope;
        MediaType = mediaType;
        ContentType = contentType;
    }

    /// <summary>"SOAP 1.1" or "SOAP 1.2", for messages.</summary>
    public string Name { get; }

    /// <summary>The envelope namespace.</summary>
    public XNamespace Envelope { get; }

    /// <summary>The media type requests and responses carry.</summary>
    public string MediaType { get; }

    /// <summary>The content type of responses.</summary>
    public string ContentType { get; }

    /// <summary>The version whose envelope namespace is <paramref name="envelope"/>, or null.</summary>
    public static SoapVersion? ForEnvelope(XNamespace envelope) =>
        envelope == SoapNamespaces.Soap11 ? Soap11 : envelope == SoapNamespaces.Soap12 ? Soap12 : null;

    /// <summary>
    /// The version a request's content type selects, with the action it names (SOAP 1.1: the <c>SOAPAction</c> header;
    /// SOAP 1.2: the <c>action</c> parameter), or null for a content type that is neither.
    /// </summary>
    public static (SoapVersion Version, string? Action)? FromRequest(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return null;
        }

        if (type.MediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase))
        {
            return (Soap11, Unquote(request.Headers["SOAPAction"].ToString()));
        }

        if (type.MediaType.Equals("application/soap+xml", StringComparison.OrdinalIgnoreCase))
        {
            var action = type.Parameters.FirstOrDefault(p => p.Name.Equals("action", StringComparison.OrdinalIgnoreCase));
            return (Soap12, Unquote(action?.Value.ToString()));
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static string? Unquote(string? value)
    {
        var text = value?.Trim().Trim('"');
        return string.IsNullOrEmpty(text) ? null : text;
    }
}
