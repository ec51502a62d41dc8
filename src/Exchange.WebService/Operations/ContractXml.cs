using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Staging;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary>Reading request fields and writing response fields of the contract namespace.</summary>
internal static class ContractXml
{
    private static readonly string Ns = SoapNamespaces.Contract.NamespaceName;

    /// <summary>The text of the child element <paramref name="name"/>, or null when it is absent.</summary>
    public static string? Text(XElement request, string name) => request.Element(SoapNamespaces.Contract + name)?.Value.Trim();

    /// <summary>The child element <paramref name="name"/> as an xs:long (the schema has already checked it).</summary>
    public static long Long(XElement request, string name) => XmlConvert.ToInt64(Text(request, name)!);

    /// <summary>Writes <c>&lt;name&gt;value&lt;/name&gt;</c> in the contract namespace.</summary>
    public static void Write(XmlWriter writer, string name, string value) => writer.WriteElementString(null, name, Ns, value);

    /// <summary>Writes an xs:long element.</summary>
    public static void Write(XmlWriter writer, string name, long value) => Write(writer, name, XmlConvert.ToString(value));

    /// <summary>Writes an xs:dateTime element with the offset.</summary>
    public static void Write(XmlWriter writer, string name, DateTimeOffset value) =>
        Write(writer, name, value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));

    /// <summary>Writes a <c>BatchHeader</c>-typed element named <paramref name="elementName"/> (<c>Batch</c> or <c>Header</c>).</summary>
    public static void WriteBatchHeader(XmlWriter writer, string elementName, BatchHeader header)
    {
        writer.WriteStartElement(null, elementName, Ns);
        Write(writer, "BatchId", header.BatchId);
        Write(writer, "Dataset", header.Dataset);
        Write(writer, "Seq", header.Seq);
        Write(writer, "RowCount", header.RowCount);
        Write(writer, "CreatedAt", header.CreatedAt);
        Write(writer, "Format", header.Format);
        Write(writer, "SizeBytes", header.SizeBytes);
        Write(writer, "Sha256", header.Sha256);
        writer.WriteEndElement();
    }
}
