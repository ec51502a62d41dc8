using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace Exchange.WebService.Soap;

/// <summary>Writes SOAP 1.1 and 1.2 responses and faults to the HTTP response.</summary>
internal static class SoapResponseWriter
{
    /// <summary>The content type of SOAP 1.1 responses (and of the WSDL).</summary>
    public const string ContentType = "text/xml; charset=utf-8";

    private const string SoapPrefix = "soap";

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        CloseOutput = false,
    };

    /// <summary>Writes a SOAP 1.1 envelope whose body is written by <paramref name="writeBody"/>, with HTTP 200.</summary>
    public static Task WriteResponseAsync(HttpResponse response, Action<XmlWriter> writeBody) =>
        WriteResponseAsync(response, SoapVersion.Soap11, writeBody);

    /// <summary>Writes an envelope of <paramref name="version"/> whose body is written by <paramref name="writeBody"/>, with HTTP 200.</summary>
    public static Task WriteResponseAsync(HttpResponse response, SoapVersion version, Action<XmlWriter> writeBody) =>
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
            ? WriteEnvelopeAsync(response, version, status, writer => WriteSoap12Header(writer, fault), writer => WriteSoap12Fault(writer, fault))
            : WriteEnvelopeAsync(response, version, status, null, writer => WriteSoap11Fault(writer, fault));
    }

    private static void WriteSoap11Fault(XmlWriter writer, SoapFault fault)
    {
        var faultCode = fault.Kind switch
        {
            SoapFaultKind.Receiver => "Server",
            SoapFaultKind.VersionMismatch => "VersionMismatch",
            SoapFaultKind.MustUnderstand => "MustUnderstand",
            _ => "Client",
        };
        writer.WriteStartElement(SoapPrefix, "Fault", SoapNamespaces.Soap11.NamespaceName);
        writer.WriteElementString(null, "faultcode", null, $"{SoapPrefix}:{faultCode}");
        writer.WriteElementString(null, "faultstring", null, $"{fault.Code}: {fault.Message}");
        writer.WriteStartElement(null, "detail", null);
        WriteExchangeFault(writer, fault);
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static void WriteSoap12Fault(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Soap12.NamespaceName;
        var value = fault.Kind switch
        {
            SoapFaultKind.Receiver => "Receiver",
            SoapFaultKind.VersionMismatch => "VersionMismatch",
            SoapFaultKind.MustUnderstand => "MustUnderstand",
            _ => "Sender",
        };
        writer.WriteStartElement(SoapPrefix, "Fault", ns);
        writer.WriteStartElement(SoapPrefix, "Code", ns);
        writer.WriteElementString(SoapPrefix, "Value", ns, $"{SoapPrefix}:{value}");
        writer.WriteEndElement();
        writer.WriteStartElement(SoapPrefix, "Reason", ns);
        writer.WriteStartElement(SoapPrefix, "Text", ns);
        writer.WriteAttributeString("xml", "lang", null, "en");
        writer.WriteString($"{fault.Code}: {fault.Message}");
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteStartElement(SoapPrefix, "Detail", ns);
        WriteExchangeFault(writer, fault);
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    // SOAP 1.2 part 1, 5.4.8 and 5.4.7: which header block was not understood, which envelopes are supported.
    private static void WriteSoap12Header(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Soap12.NamespaceName;
        if (fault.Kind == SoapFaultKind.MustUnderstand && fault.NotUnderstood is { } name)
        {
            writer.WriteStartElement(SoapPrefix, "NotUnderstood", ns);
            writer.WriteAttributeString("xmlns", "nu", null, name.NamespaceName);
            writer.WriteAttributeString(null, "qname", null, $"nu:{name.LocalName}");
            writer.WriteEndElement();
        }
        else if (fault.Kind == SoapFaultKind.VersionMismatch)
        {
            writer.WriteStartElement(SoapPrefix, "Upgrade", ns);
            writer.WriteStartElement(SoapPrefix, "SupportedEnvelope", ns);
            writer.WriteAttributeString(null, "qname", null, $"{SoapPrefix}:Envelope");
            writer.WriteEndElement();
            writer.WriteStartElement(SoapPrefix, "SupportedEnvelope", ns);
            writer.WriteAttributeString("xmlns", "s11", null, SoapNamespaces.Soap11.NamespaceName);
            writer.WriteAttributeString(null, "qname", null, "s11:Envelope");
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
    }

    private static void WriteExchangeFault(XmlWriter writer, SoapFault fault)
    {
        var ns = SoapNamespaces.Contract.NamespaceName;
        writer.WriteStartElement(null, "ExchangeFault", ns);
        writer.WriteElementString(null, "Code", ns, fault.Code.ToString());
        writer.WriteElementString(null, "Message", ns, fault.Message);
        if (fault.RetryAfterSeconds is { } seconds)
        {
            writer.WriteElementString(null, "RetryAfterSeconds", ns, XmlConvert.ToString(seconds));
        }

        writer.WriteEndElement();
    }

    private static async Task WriteEnvelopeAsync(HttpResponse response, SoapVersion version, int statusCode, Action<XmlWriter>? writeHeader, Action<XmlWriter> writeBody)
    {
        // Written synchronously into a pooled buffer, then sent in one write with a Content-Length: an asynchronous
        // XmlWriter on the response body awaited every element and answered chunked.
        using var buffer = new PooledBufferStream(4096);
        using (var writer = XmlWriter.Create(buffer, Settings))
        {
            var ns = version.Envelope.NamespaceName;
            writer.WriteStartDocument();
            writer.WriteStartElement(SoapPrefix, "Envelope", ns);
            if (writeHeader is not null)
            {
                writer.WriteStartElement(SoapPrefix, "Header", ns);
                writeHeader(writer);
                writer.WriteEndElement();
            }

            writer.WriteStartElement(SoapPrefix, "Body", ns);
            writeBody(writer);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        response.StatusCode = statusCode;
        response.ContentType = version.ContentType;
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.Written).ConfigureAwait(false);
    }
}
