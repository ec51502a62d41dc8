using System.Text;
using Exchange.Core.Delivery;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Tests.Soap;

public sealed class SoapEnvelopeReaderTests
{
    private const string Envelope = """
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:exchange:v1">
          <soap:Header>
            <wsse:Security soap:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
              <wsse:UsernameToken><wsse:Username>insurer-a</wsse:Username><wsse:Password>pw</wsse:Password></wsse:UsernameToken>
            </wsse:Security>
          </soap:Header>
          <soap:Body><x:Poll><x:Dataset>AC01</x:Dataset></x:Poll></soap:Body>
        </soap:Envelope>
        """;

    private static readonly SoapEnvelopeReader Reader = new(SoapReaderLimits.ForBody(64 * 1024));

    [Fact]
    public void Read_ReturnsTheOperationElementAndTheSecurityHeader()
    {
        var envelope = Read(Envelope);

        Assert.Equal(SoapNamespaces.Contract + "Poll", envelope.Body.Name);
        Assert.Equal("AC01", envelope.Body.Element(SoapNamespaces.Contract + "Dataset")!.Value);
        Assert.NotNull(envelope.Security);
    }

    [Fact]
    public void Read_RefusesBillionLaughs_WithoutExpandingEntities()
    {
        const string Laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
            ]>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x:Poll xmlns:x="urn:exchange:v1"><x:Dataset>&lol9;</x:Dataset></x:Poll></soap:Body></soap:Envelope>
            """;

        var fault = AssertInvalid(Laughs);

        Assert.Contains("DTD", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RefusesExternalEntity_WithoutReadingTheFile()
    {
        const string Xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x:Poll xmlns:x="urn:exchange:v1"><x:Dataset>&xxe;</x:Dataset></x:Poll></soap:Body></soap:Envelope>
            """;

        var fault = AssertInvalid(Xxe);

        Assert.DoesNotContain("root:", fault.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("{\"Poll\":{}}")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>")]
    [InlineData("")]
    public void Read_RefusesNonXml(string body) => AssertInvalid(body);

    [Theory]
    [InlineData("<Wrapper xmlns=\"urn:wrong\"><Body/></Wrapper>", "Envelope")]
    [InlineData("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>", "Body")]
    [InlineData("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>", "exactly one")]
    [InlineData("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><a/><b/></s:Body></s:Envelope>", "exactly one")]
    public void Read_RefusesWrongEnvelope_NamingWhatIsExpected(string body, string named)
    {
        var fault = AssertInvalid(body);

        Assert.Contains(named, fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RefusesUnderstoodlessMustUnderstandHeader()
    {
        const string Body = """
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
              <s:Header><t:Transaction xmlns:t="urn:tx" s:mustUnderstand="1">5</t:Transaction></s:Header>
              <s:Body><x:Poll xmlns:x="urn:exchange:v1"/></s:Body>
            </s:Envelope>
            """;

        var refusal = Assert.Throws<SoapProtocolException>(() => Read(Body));

        Assert.Equal(SoapFaultKind.MustUnderstand, refusal.Fault.Kind);
        Assert.Equal(ExchangeFaultCode.InvalidRequest, refusal.Fault.Code);
        Assert.Equal(System.Xml.Linq.XName.Get("Transaction", "urn:tx"), refusal.Fault.NotUnderstood);
        Assert.Contains("mustUnderstand", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<Envelope xmlns=\"urn:wrong\"><Body/></Envelope>", "urn:wrong", false)]
    [InlineData("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>", "SOAP 1.2", true)]
    public void Read_RefusesAnEnvelopeOfAnotherVersion_AsVersionMismatch(string body, string named, bool answerInReceivedVersion)
    {
        var refusal = Assert.Throws<SoapProtocolException>(() => Read(body));

        Assert.Equal(SoapFaultKind.VersionMismatch, refusal.Fault.Kind);
        Assert.Contains(named, refusal.Message, StringComparison.Ordinal);
        Assert.Equal(answerInReceivedVersion ? SoapVersion.Soap12 : null, refusal.AnswerIn);
    }

    [Fact]
    public void Read_AcceptsSoap12_WhenTheContentTypeSaysSoap12()
    {
        const string Body = """
            <e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope">
              <e:Header><t:Trace xmlns:t="urn:tx" e:mustUnderstand="false">1</t:Trace></e:Header>
              <e:Body><x:Poll xmlns:x="urn:exchange:v1"/></e:Body>
            </e:Envelope>
            """;

        var envelope = Reader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Body)), SoapVersion.Soap12);

        Assert.Equal(SoapVersion.Soap12, envelope.Version);
        Assert.Equal(SoapNamespaces.Contract + "Poll", envelope.Body.Name);
    }

    [Fact]
    public void Read_RefusesDeepNesting()
    {
        var body = new StringBuilder("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><x:Poll xmlns:x=\"urn:exchange:v1\">");
        body.Insert(body.Length, "<a>", 1000).Insert(body.Length, "</a>", 1000).Append("</x:Poll></s:Body></s:Envelope>");

        Assert.Contains("deeper", AssertInvalid(body.ToString()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RefusesTooManyElements()
    {
        var body = new StringBuilder("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><x:Poll xmlns:x=\"urn:exchange:v1\">");
        body.Insert(body.Length, "<a/>", 10_001).Append("</x:Poll></s:Body></s:Envelope>");

        Assert.Contains("elements", AssertInvalid(body.ToString()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RefusesDocumentsLongerThanTheLimit()
    {
        var small = new SoapEnvelopeReader(SoapReaderLimits.ForBody(200));
        var body = Envelope.Replace("AC01", new string('A', 500), StringComparison.Ordinal);

        var fault = Assert.Throws<ExchangeFaultException>(() => small.Read(new MemoryStream(Encoding.UTF8.GetBytes(body))));

        Assert.Equal(ExchangeFaultCode.InvalidRequest, fault.Code);
    }

    private static SoapEnvelope Read(string body) => Reader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body)));

    private static ExchangeFaultException AssertInvalid(string body)
    {
        var fault = Assert.Throws<ExchangeFaultException>(() => Read(body));
        Assert.Equal(ExchangeFaultCode.InvalidRequest, fault.Code);
        return fault;
    }
}
