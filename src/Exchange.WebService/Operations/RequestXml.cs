using System.Xml;
using Exchange.Core.Requests;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary>Writing the request operations' response fields.</summary>
internal static class RequestXml
{
    /// <summary>Writes <c>&lt;Name&gt;</c> with its response element's fields and closes it.</summary>
    public static void WriteElement(XmlWriter writer, string name, Action fields)
    {
        writer.WriteStartElement(null, name, SoapNamespaces.Contract.NamespaceName);
        fields();
        writer.WriteEndElement();
    }

    /// <summary>The wire value of a status.</summary>
    public static string Wire(RequestStatus status) => status.ToString();
}
