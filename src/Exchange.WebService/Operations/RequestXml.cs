using System.Globalization;
using System.Xml;
using Exchange.Core.Requests;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary>Writing the request operations' response fields.</summary>
internal static class RequestXml
{
    /// <summary>Writes an xs:dateTime element with the offset.</summary>
    public static Task WriteAsync(XmlWriter writer, string name, DateTimeOffset value) =>
        ContractXml.WriteAsync(writer, name, value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));

    /// <summary>Writes <c>&lt;Name&gt;</c> with its response element's fields and closes it.</summary>
    public static async Task WriteElementAsync(XmlWriter writer, string name, Func<Task> fields)
    {
        await writer.WriteStartElementAsync(null, name, SoapNamespaces.Contract.NamespaceName).ConfigureAwait(false);
        await fields().ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
    }

    /// <summary>The wire value of a status.</summary>
    public static string Wire(RequestStatus status) => status.ToString();
}
