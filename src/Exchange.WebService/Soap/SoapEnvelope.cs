using System.Xml.Linq;

namespace Exchange.WebService.Soap;

/// <summary>A parsed SOAP request: its header blocks and the single element in its body.</summary>
/// <param name="Headers">The children of <c>soap:Header</c> (empty when there is none).</param>
/// <param name="Body">The one child element of <c>soap:Body</c>: the wrapped operation request.</param>
/// <param name="Version">The SOAP version of the envelope.</param>
internal sealed record SoapEnvelope(IReadOnlyList<XElement> Headers, XElement Body, SoapVersion Version)
{
    /// <summary>The <c>wsse:Security</c> header block, or null.</summary>
    public XElement? Security => Headers.FirstOrDefault(h => h.Name == SoapNamespaces.WsSecurity + "Security");
}
