using System.Globalization;
using System.Xml;
using Exchange.Core.Requests;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary>Writing the request operations' response fields.</summary>
internal static class RequestXml
{
    /// <summary>Writes an xs:dateTime element with the offset.</summary>
    public static void Write(XmlWriter writer, string name, DateTimeOffset value) =>
        ContractXml.Write(writer, name, value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));

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
