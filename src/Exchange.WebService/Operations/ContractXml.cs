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
    public static Task WriteAsync(XmlWriter writer, string name, string value) => writer.WriteElementStringAsync(null, name, Ns, value);

    /// <summary>Writes an xs:long element.</summary>
    public static Task WriteAsync(XmlWriter writer, string name, long value) => WriteAsync(writer, name, XmlConvert.ToString(value));

    /// <summary>Writes a <c>BatchHeader</c>-typed element named <paramref name="elementName"/> (<c>Batch</c> or <c>Header</c>).</summary>
    public static async Task WriteBatchHeaderAsync(XmlWriter writer, string elementName, BatchHeader header)
    {
        await writer.WriteStartElementAsync(null, elementName, Ns).ConfigureAwait(false);
        await WriteAsync(writer, "BatchId", header.BatchId).ConfigureAwait(false);
        await WriteAsync(writer, "Dataset", header.Dataset).ConfigureAwait(false);
        await WriteAsync(writer, "Seq", header.Seq).ConfigureAwait(false);
        await WriteAsync(writer, "RowCount", header.RowCount).ConfigureAwait(false);
        await WriteAsync(writer, "CreatedAt", header.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await WriteAsync(writer, "Format", header.Format).ConfigureAwait(false);
        await WriteAsync(writer, "SizeBytes", header.SizeBytes).ConfigureAwait(false);
        await WriteAsync(writer, "Sha256", header.Sha256).ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
    }
}
