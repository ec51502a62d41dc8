using System.Text;
using System.Xml;
using Exchange.Core.Delivery;
using Microsoft.AspNetCore.Http;

namespace Exchange.WebService.Soap;

/// <summary>Writes SOAP 1.1 responses and faults straight to the HTTP response with an asynchronous <see cref="XmlWriter"/>.</summary>
internal static class SoapResponseWriter
{
    /// <summary>The content type of every SOAP 1.1 response.</summary>
    public const string ContentType = "text/xml; charset=utf-8";

    private const string SoapPrefix = "soap";

    private static readonly XmlWriterSettings Settings = new()
    {
        Async = true,
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        CloseOutput = false,
    };

    /// <summary>Writes an envelope whose body is written by <paramref name="writeBody"/>, with HTTP 200.</summary>
    public static Task WriteResponseAsync(HttpResponse response, Func<XmlWriter, Task> writeBody) =>
        WriteEnvelopeAsync(response, StatusCodes.Status200OK, writeBody);

    /// <summary>Writes a SOAP 1.1 fault with <c>detail/ExchangeFault</c>, with HTTP 500 as SOAP 1.1 requires.</summary>
    public static Task WriteFaultAsync(HttpResponse response, ExchangeFaultCode code, string message) =>
        WriteEnvelopeAsync(response, StatusCodes.Status500InternalServerError, async writer =>
        {
            // Only Unavailable is the server's fault; every other refusal is about the request.
            var faultCode = code == ExchangeFaultCode.Unavailable ? "Server" : "Client";
            await writer.WriteStartElementAsync(SoapPrefix, "Fault", SoapNamespaces.Soap11.NamespaceName).ConfigureAwait(false);
            await writer.WriteElementStringAsync(null, "faultcode", null, $"{SoapPrefix}:{faultCode}").ConfigureAwait(false);
            await writer.WriteElementStringAsync(null, "faultstring", null, $"{code}: {message}").ConfigureAwait(false);
            await writer.WriteStartElementAsync(null, "detail", null).ConfigureAwait(false);
            await writer.WriteStartElementAsync(null, "ExchangeFault", SoapNamespaces.Contract.NamespaceName).ConfigureAwait(false);
            await writer.WriteElementStringAsync(null, "Code", SoapNamespaces.Contract.NamespaceName, code.ToString()).ConfigureAwait(false);
            await writer.WriteElementStringAsync(null, "Message", SoapNamespaces.Contract.NamespaceName, message).ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
        });

    private static async Task WriteEnvelopeAsync(HttpResponse response, int statusCode, Func<XmlWriter, Task> writeBody)
    {
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        var writer = XmlWriter.Create(response.Body, Settings);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteStartDocumentAsync().ConfigureAwait(false);
            await writer.WriteStartElementAsync(SoapPrefix, "Envelope", SoapNamespaces.Soap11.NamespaceName).ConfigureAwait(false);
            await writer.WriteStartElementAsync(SoapPrefix, "Body", SoapNamespaces.Soap11.NamespaceName).ConfigureAwait(false);
            await writeBody(writer).ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndDocumentAsync().ConfigureAwait(false);
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
