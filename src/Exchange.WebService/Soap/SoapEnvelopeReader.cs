using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Delivery;

namespace Exchange.WebService.Soap;

/// <summary>
/// Reads a SOAP 1.1 or 1.2 envelope with a hardened <see cref="XmlReader"/>: no DTD (so no entity expansion and no external
/// entities), no resolver, and bounded size, depth and element count. Anything else is refused with <c>InvalidRequest</c>.
/// </summary>
internal sealed class SoapEnvelopeReader
{
    private readonly SoapReaderLimits _limits;
    private readonly XmlReaderSettings _settings;

    /// <summary>Creates a reader with <paramref name="limits"/>.</summary>
    public SoapEnvelopeReader(SoapReaderLimits limits)
    {
        _limits = limits;
        _settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = limits.MaxCharacters,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        };
    }

    /// <summary>Parses <paramref name="body"/> into a SOAP 1.1 envelope.</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> naming what was wrong.</exception>
    /// <exception cref="SoapProtocolException">A VersionMismatch or MustUnderstand fault.</exception>
    public SoapEnvelope Read(Stream body) => Read(body, SoapVersion.Soap11);

    /// <summary>Parses <paramref name="body"/> into an envelope of <paramref name="version"/> (the version the content type named).</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> naming what was wrong.</exception>
    /// <exception cref="SoapProtocolException">A VersionMismatch or MustUnderstand fault.</exception>
    public SoapEnvelope Read(Stream body, SoapVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        XElement root;
        try
        {
            using var reader = XmlReader.Create(body, _settings);
            root = Load(reader);
        }
        catch (XmlException ex)
        {
            throw Invalid($"The request body is not well-formed XML without a DTD ({ex.Message}); send a {version} envelope as {version.MediaType}.");
        }

        if (root.Name.LocalName != "Envelope")
        {
            throw Invalid($"The root element is '{{{Bounded(root.Name.NamespaceName)}}}{Bounded(root.Name.LocalName)}'; expected 'Envelope' in namespace {version.Envelope}.");
        }

        if (root.Name.Namespace != version.Envelope)
        {
            // SOAP 1.1 section 4.1.2 and SOAP 1.2 part 1 section 5.4.7: an envelope of another version is a VersionMismatch,
            // answered in the version of the envelope received when it is one this service knows.
            var received = SoapVersion.ForEnvelope(root.Name.Namespace);
            var what = received is null ? $"namespace '{Bounded(root.Name.NamespaceName)}'" : $"{received} ({received.Envelope})";
            throw new SoapProtocolException(
                new SoapFault(
                    ExchangeFaultCode.InvalidRequest,
                    $"The envelope is {what} but the content type says {version}; send SOAP 1.1 envelopes ({SoapNamespaces.Soap11}) as text/xml or SOAP 1.2 envelopes ({SoapNamespaces.Soap12}) as application/soap+xml.",
                    SoapFaultKind.VersionMismatch),
                received);
        }

        var children = root.Elements().ToList();
        var header = children.FirstOrDefault(e => e.Name == version.Envelope + "Header");
        var soapBody = children.FirstOrDefault(e => e.Name == version.Envelope + "Body")
            ?? throw Invalid($"The envelope has no 'Body' element in namespace {version.Envelope}.");

        var payload = soapBody.Elements().ToList();
        if (payload.Count != 1)
        {
            throw Invalid($"The SOAP Body holds {payload.Count} elements; it must hold exactly one operation element (Poll, FetchBatch, Ack, SubmitRequest, GetResponse, PushBatch) in namespace {SoapNamespaces.Contract}.");
        }

        var headers = header?.Elements().ToList() ?? [];
        var notUnderstood = headers.FirstOrDefault(h => h.Name != SoapNamespaces.WsSecurity + "Security" && IsMustUnderstand(h, version));
        if (notUnderstood is not null)
        {
            throw new SoapProtocolException(new SoapFault(
                ExchangeFaultCode.InvalidRequest,
                $"Header block '{{{Bounded(notUnderstood.Name.NamespaceName)}}}{Bounded(notUnderstood.Name.LocalName)}' is marked mustUnderstand; this service understands only wsse:Security ({SoapNamespaces.WsSecurity}).",
                SoapFaultKind.MustUnderstand,
                NotUnderstood: notUnderstood.Name));
        }

        return new SoapEnvelope(headers, payload[0], version);
    }

    private static bool IsMustUnderstand(XElement header, SoapVersion version) =>
        (string?)header.Attribute(version.Envelope + "mustUnderstand") is "1" or "true";

    private static string Bounded(string text) => text.Length <= 128 ? text : text[..128] + "…";

    // Builds the tree by hand rather than with XElement.Load, because XmlReader has no depth or element-count bound.
    private XElement Load(XmlReader reader)
    {
        XElement? root = null;
        XElement? current = null;
        var elements = 0;
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (reader.Depth > _limits.MaxDepth)
                    {
                        throw Invalid($"The request nests elements deeper than {_limits.MaxDepth} levels.");
                    }

                    if (++elements > _limits.MaxElements)
                    {
                        throw Invalid($"The request has more than {_limits.MaxElements} elements.");
                    }

                    var element = new XElement(XName.Get(reader.LocalName, reader.NamespaceURI));
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            var name = reader.NamespaceURI == "http://www.w3.org/2000/xmlns/"
                                ? (reader.Prefix.Length == 0 ? XNamespace.None + "xmlns" : XNamespace.Xmlns + reader.LocalName)
                                : XName.Get(reader.LocalName, reader.NamespaceURI);
                            element.Add(new XAttribute(name, reader.Value));
                        }
                        while (reader.MoveToNextAttribute());

                        reader.MoveToElement();
                    }

                    if (current is null)
                    {
                        root = element;
                    }
                    else
                    {
                        current.Add(element);
                    }

                    if (!reader.IsEmptyElement)
                    {
                        current = element;
                    }

                    break;
                case XmlNodeType.EndElement:
                    current = current?.Parent;
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                    current?.Add(new XText(reader.Value));
                    break;
                default:
                    break;
            }
        }

        return root ?? throw Invalid("The request body is empty; send a SOAP envelope.");
    }

    private static ExchangeFaultException Invalid(string message) => new(ExchangeFaultCode.InvalidRequest, message);
}
