using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Delivery;

namespace Exchange.WebService.Soap;

/// <summary>
/// Reads a SOAP 1.1 envelope with a hardened <see cref="XmlReader"/>: no DTD (so no entity expansion and no external
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

    /// <summary>Parses <paramref name="body"/> into an envelope.</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> naming what was wrong.</exception>
    public SoapEnvelope Read(Stream body)
    {
        XElement root;
        try
        {
            using var reader = XmlReader.Create(body, _settings);
            root = Load(reader);
        }
        catch (XmlException ex)
        {
            throw Invalid($"The request body is not well-formed XML without a DTD ({ex.Message}); send a SOAP 1.1 envelope as text/xml.");
        }

        if (root.Name == SoapNamespaces.Soap12 + "Envelope")
        {
            throw Invalid($"The envelope is SOAP 1.2 ({SoapNamespaces.Soap12}); this endpoint speaks SOAP 1.1 ({SoapNamespaces.Soap11}) with content type text/xml.");
        }

        if (root.Name != SoapNamespaces.Soap11 + "Envelope")
        {
            throw Invalid($"The root element is '{{{root.Name.NamespaceName}}}{root.Name.LocalName}'; expected 'Envelope' in namespace {SoapNamespaces.Soap11}.");
        }

        var children = root.Elements().ToList();
        var header = children.FirstOrDefault(e => e.Name == SoapNamespaces.Soap11 + "Header");
        var body11 = children.FirstOrDefault(e => e.Name == SoapNamespaces.Soap11 + "Body")
            ?? throw Invalid($"The envelope has no 'Body' element in namespace {SoapNamespaces.Soap11}.");

        var payload = body11.Elements().ToList();
        if (payload.Count != 1)
        {
            throw Invalid($"The SOAP Body holds {payload.Count} elements; it must hold exactly one operation element (Poll, FetchBatch, Ack) in namespace {SoapNamespaces.Contract}.");
        }

        var headers = header?.Elements().ToList() ?? [];
        var notUnderstood = headers.FirstOrDefault(h => h.Name != SoapNamespaces.WsSecurity + "Security" && IsMustUnderstand(h));
        if (notUnderstood is not null)
        {
            throw Invalid($"Header block '{{{notUnderstood.Name.NamespaceName}}}{notUnderstood.Name.LocalName}' is marked mustUnderstand; this service understands only wsse:Security ({SoapNamespaces.WsSecurity}).");
        }

        return new SoapEnvelope(headers, payload[0]);
    }

    private static bool IsMustUnderstand(XElement header) =>
        (string?)header.Attribute(SoapNamespaces.Soap11 + "mustUnderstand") is "1" or "true";

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

        return root ?? throw Invalid("The request body is empty; send a SOAP 1.1 envelope.");
    }

    private static ExchangeFaultException Invalid(string message) => new(ExchangeFaultCode.InvalidRequest, message);
}
