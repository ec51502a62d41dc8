using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace Exchange.WebService.Soap;

/// <summary>Writes SOAP 1.1 and 1.2 responses and faults straight to the HTTP response with an asynchronous <see cref="XmlWriter"/>.</summary>
internal static class SoapResponseWriter
{
    /// <summary>The content type of SOAP 1.1 responses (and of the WSDL).</summary>
    public const string ContentType = "text/xml; charset=utf-8";

    private const string SoapPrefix = "soap";

    private static readonly XmlWriterSettings Settings = new()
    {
        Async = true,
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        CloseOutput = false,
    };

    /// <summary>Writes a SOAP 1.1 envelope whose body is written by <paramref name="writeBody"/>, with HTTP 200.</summary>
    public static Task WriteResponseAsync(HttpResponse response, Func<XmlWriter, Task> writeBody) =>
        WriteResponseAsync(response, SoapVersion.Soap11, writeBody);

    /// <summary>Writes an envelope of <paramref name="version"/> whose body is written by <paramref name="writeBody"/>, with HTTP 200.</summary>
    public static Task WriteResponseAsync(HttpResponse response, SoapVersion version, Func<XmlWriter, Task> writeBody) =>
        WriteEnvelopeAsync(response, version, StatusCodes.Status200OK, null, writeBody);

    /// <summary>
    /// Writes <paramref name="fault"/> with <c>detail/ExchangeFault</c> in the shape of <paramref name="version"/>: SOAP 1.1
    /// with HTTP 500; SOAP 1.2 with HTTP 400 for <c>env:Sender</c> and 500 otherwise (part 2, table 20); either replaced by
    /// <see cref="SoapFault.HttpStatus"/>. <see cref="SoapFault.RetryAfterSeconds"/> also goes into a <c>Retry-After</c> header.
    /// </summary>
    public static Task WriteFaultAsync(HttpResponse response, SoapVersion version, SoapFault fault)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(fault);
        var status = fault.HttpStatus
            ?? (version == SoapVersion.Soap12 && fault.Kind == SoapFaultKind.Sender ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError);
        if (fault.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return version == SoapVersion.Soap12
            ? WriteEnvelopeAsync(response, version, status, writer => WriteSoap12HeaderAsync(writer, fault), writer => WriteSoap12FaultAsync(writer, fault))
            : WriteEnvelopeAsync(response, version, status, null, writer => WriteSoap11FaultAsync(writer, fault));
    }

    private static async Task WriteSoap11FaultAsync(XmlWriter writer, SoapFault fault)
    {
        var faultCode = fault.Kind switch
        {
            SoapFaultKind.Receiver => "Server",
            SoapFaultKind.VersionMismatch => "VersionMismatch",
            SoapFaultKind.MustUnderstand => "MustUnderstand",
            _ => "Client",
        };
        await writer.WriteStartElementAsync(SoapPrefix, "Fault", SoapNamespaces.Soap11.NamespaceName).ConfigureAwait(false);
        await writer.WriteElementStringAsync(null, "faultcode", null, $"{SoapPrefix}:{faultCode}").ConfigureAwait(false);
        await writer.WriteElementStringAsync(null, "faultstring", null, $"{fault.Code}: {fault.Message}").ConfigureAwait(false);
        await writer.WriteStartElementAsync(null, "detail", null).ConfigureAwait(false);
        await WriteExchangeFaultAsync(writer, fault).ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
    }

    private static async Task WriteSoap12FaultAsync(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Soap12.NamespaceName;
        var value = fault.Kind switch
        {
            SoapFaultKind.Receiver => "Receiver",
            SoapFaultKind.VersionMismatch => "VersionMismatch",
            SoapFaultKind.MustUnderstand => "MustUnderstand",
            _ => "Sender",
        };
        await writer.WriteStartElementAsync(SoapPrefix, "Fault", ns).ConfigureAwait(false);
        await writer.WriteStartElementAsync(SoapPrefix, "Code", ns).ConfigureAwait(false);
        await writer.WriteElementStringAsync(SoapPrefix, "Value", ns, $"{SoapPrefix}:{value}").ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
        await writer.WriteStartElementAsync(SoapPrefix, "Reason", ns).ConfigureAwait(false);
        await writer.WriteStartElementAsync(SoapPrefix, "Text", ns).ConfigureAwait(false);
        await writer.WriteAttributeStringAsync("xml", "lang", null, "en").ConfigureAwait(false);
        await writer.WriteStringAsync($"{fault.Code}: {fault.Message}").ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
        await writer.WriteStartElementAsync(SoapPrefix, "Detail", ns).ConfigureAwait(false);
        await WriteExchangeFaultAsync(writer, fault).ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
        await writer.WriteEndElementAsync().ConfigureAwait(false);
    }

    // SOAP 1.2 part 1, 5.4.8 and 5.4.7: which header block was not understood, which envelopes are supported.
    private static async Task WriteSoap12HeaderAsync(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Soap12.NamespaceName;
        if (fault.Kind == SoapFaultKind.MustUnderstand && fault.NotUnderstood is { } name)
        {
            await writer.WriteStartElementAsync(SoapPrefix, "NotUnderstood", ns).ConfigureAwait(false);
            await writer.WriteAttributeStringAsync("xmlns", "nu", null, name.NamespaceName).ConfigureAwait(false);
            await writer.WriteAttributeStringAsync(null, "qname", null, $"nu:{name.LocalName}").ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
        }
        else if (fault.Kind == SoapFaultKind.VersionMismatch)
        {
            await writer.WriteStartElementAsync(SoapPrefix, "Upgrade", ns).ConfigureAwait(false);
            await writer.WriteStartElementAsync(SoapPrefix, "SupportedEnvelope", ns).ConfigureAwait(false);
            await writer.WriteAttributeStringAsync(null, "qname", null, $"{SoapPrefix}:Envelope").ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteStartElementAsync(SoapPrefix, "SupportedEnvelope", ns).ConfigureAwait(false);
            await writer.WriteAttributeStringAsync("xmlns", "s11", null, SoapNamespaces.Soap11.NamespaceName).ConfigureAwait(false);
            await writer.WriteAttributeStringAsync(null, "qname", null, "s11:Envelope").ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
        }
    }

    private static async Task WriteExchangeFaultAsync(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Contract.NamespaceName;
        await writer.WriteStartElementAsync(null, "ExchangeFault", ns).ConfigureAwait(false);
        await writer.WriteElementStringAsync(null, "Code", ns, fault.Code.ToString()).ConfigureAwait(false);
        await writer.WriteElementStringAsync(null, "Message", ns, fault.Message).ConfigureAwait(false);
        if (fault.RetryAfterSeconds is { } seconds)
        {
            await writer.WriteElementStringAsync(null, "RetryAfterSeconds", ns, XmlConvert.ToString(seconds)).ConfigureAwait(false);
        }

        await writer.WriteEndElementAsync().ConfigureAwait(false);
    }

    private static async Task WriteEnvelopeAsync(HttpResponse response, SoapVersion version, int statusCode, Func<XmlWriter, Task>? writeHeader, Func<XmlWriter, Task> writeBody)
    {
        response.StatusCode = statusCode;
        response.ContentType = version.ContentType;
        var ns = version.Envelope.NamespaceName;
        var writer = XmlWriter.Create(response.Body, Settings);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteStartDocumentAsync().ConfigureAwait(false);
            await writer.WriteStartElementAsync(SoapPrefix, "Envelope", ns).ConfigureAwait(false);
            if (writeHeader is not null)
            {
                // Written into a buffer first would cost more than an empty Header element, which both versions allow.
                await writer.WriteStartElementAsync(SoapPrefix, "Header", ns).ConfigureAwait(false);
                await writeHeader(writer).ConfigureAwait(false);
                await writer.WriteEndElementAsync().ConfigureAwait(false);
            }

            await writer.WriteStartElementAsync(SoapPrefix, "Body", ns).ConfigureAwait(false);
            await writeBody(writer).ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
            await writer.WriteEndDocumentAsync().ConfigureAwait(false);
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
