using System.Net;
using System.Xml.Linq;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Soap;

/// <summary>SOAP 1.1 and 1.2 on the same address, chosen by content type, with each version's fault shape and status codes.</summary>
public sealed class SoapVersionsEndToEndTests
{
    private static readonly XNamespace X = SoapReply.X;
    private static readonly XNamespace S12 = SoapReply.Soap12;

    [Fact]
    public async Task Poll_OverSoap12_IsAnsweredWithASoap12Envelope()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC01", 2);

        var reply = await host.PostRawAsync(
            Envelopes.Of(Envelopes.Soap12, "<x:Poll/>", Envelopes.TextToken(InsurerA, InsurerAPassword)),
            "application/soap+xml; charset=utf-8; action=\"urn:exchange:v1/Poll\"");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/soap+xml", reply.MediaType);
        Assert.Equal(S12, reply.EnvelopeNamespace);
        Assert.Single(reply.Body.Elements(X + "Batch"));
    }

    [Fact]
    public async Task Soap12SenderFault_IsHttp400_WithCodeReasonAndExchangeFaultDetail()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap12, "<x:Poll/>", Envelopes.TextToken(InsurerA, "wrong")), Envelopes.Soap12ContentType);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(S12 + "Fault", reply.Body.Name);
        Assert.Equal("soap:Sender", reply.Soap12Code);
        Assert.StartsWith("AuthFailed:", reply.Body.Element(S12 + "Reason")!.Element(S12 + "Text")!.Value, StringComparison.Ordinal);
        Assert.Equal("AuthFailed", reply.Body.Element(S12 + "Detail")!.Element(X + "ExchangeFault")!.Element(X + "Code")!.Value);
    }

    [Fact]
    public async Task Soap12ReceiverFault_IsHttp500()
    {
        await using var host = await StartAsync();
        await host.BreakStoreAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap12, "<x:Poll/>", Envelopes.TextToken(InsurerA, InsurerAPassword)), Envelopes.Soap12ContentType);

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("soap:Receiver", reply.Soap12Code);
        Assert.Equal("Unavailable", reply.FaultCode);
    }

    [Fact]
    public async Task Soap12ActionParameter_ThatNamesAnotherOperation_IsInvalidRequest()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(
            Envelopes.Of(Envelopes.Soap12, "<x:Poll/>", Envelopes.TextToken(InsurerA, InsurerAPassword)),
            "application/soap+xml; action=\"urn:exchange:v1/Ack\"");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidRequest", reply.FaultCode);
        Assert.Contains("action=\"urn:exchange:v1/Poll\"", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Soap11EnvelopeSentAsSoap12_IsVersionMismatch_AnsweredInSoap11()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.TextToken(InsurerA, InsurerAPassword)), Envelopes.Soap12ContentType);

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("text/xml", reply.MediaType);
        Assert.Equal("soap:VersionMismatch", reply.Soap11Code);
        Assert.Equal("InvalidRequest", reply.FaultCode);
    }

    [Fact]
    public async Task Soap12EnvelopeSentAsTextXml_IsVersionMismatch_WithTheSupportedEnvelopes()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap12, "<x:Poll/>"), "text/xml; charset=utf-8");

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("soap:VersionMismatch", reply.Soap12Code);
        var upgrade = XDocument.Parse(reply.Text).Root!.Element(S12 + "Header")!.Element(S12 + "Upgrade")!;
        Assert.Equal(2, upgrade.Elements(S12 + "SupportedEnvelope").Count());
    }

    [Theory]
    [InlineData(Envelopes.Soap11, "text/xml", "soap:MustUnderstand")]
    [InlineData(Envelopes.Soap12, Envelopes.Soap12ContentType, "soap:MustUnderstand")]
    public async Task MustUnderstandHeaderNotUnderstood_IsAMustUnderstandFault(string envelopeNs, string contentType, string code)
    {
        await using var host = await StartAsync();
        var mustUnderstand = envelopeNs == Envelopes.Soap11 ? "1" : "true";
        var header = $"""<t:Transaction xmlns:t="urn:tx" s:mustUnderstand="{mustUnderstand}">5</t:Transaction>""" + Envelopes.TextToken(InsurerA, InsurerAPassword);

        var reply = await host.PostRawAsync(Envelopes.Of(envelopeNs, "<x:Poll/>", header), contentType);

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal(code, envelopeNs == Envelopes.Soap11 ? reply.Soap11Code : reply.Soap12Code);
        Assert.Equal("InvalidRequest", reply.FaultCode);
        if (envelopeNs == Envelopes.Soap12)
        {
            var notUnderstood = XDocument.Parse(reply.Text).Root!.Element(S12 + "Header")!.Element(S12 + "NotUnderstood")!;
            Assert.Equal("nu:Transaction", (string?)notUnderstood.Attribute("qname"));
        }
    }

    [Fact]
    public async Task ContentTypeThatIsNeitherVersion_IsHttp415_WithAWellFormedFault()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>"), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, reply.Status);
        Assert.Equal("InvalidRequest", reply.FaultCode);
        Assert.Contains("application/soap+xml", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SubmitRequest", true)]
    [InlineData("GetResponse", true)]   // ends in "Response" but is a request: there is no "Get" operation
    [InlineData("PushBatch", true)]
    [InlineData("GetResponseResponse", false)]
    [InlineData("PollResponse", false)]
    [InlineData("ExchangeFault", false)]
    [InlineData("DeleteEverything", false)]
    public void Contract_DeclaresRequestElements_NotResponsesOrFaults(string element, bool declared) =>
        Assert.Equal(declared, new Exchange.WebService.Soap.SoapContract().Declares(element));
}
