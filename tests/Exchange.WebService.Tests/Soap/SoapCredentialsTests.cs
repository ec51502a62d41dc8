using System.Text;
using System.Xml.Linq;
using Exchange.Core.Delivery;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Tests.Soap;

public sealed class SoapCredentialsTests
{
    private static readonly XNamespace Wsse = SoapNamespaces.WsSecurity;

    [Fact]
    public void From_PrefersUsernameToken_OverHttpBasic()
    {
        var credentials = SoapCredentials.From(EnvelopeWith(Token("alice", "secret")), Basic("bob:other"));

        Assert.Equal(("alice", "secret", "UsernameToken"), (credentials.UserName, credentials.Password, credentials.Source));
    }

    [Fact]
    public void From_ReadsHttpBasic_WithColonsInThePassword()
    {
        var credentials = SoapCredentials.From(EnvelopeWith(), Basic("alice:pa:ss"));

        Assert.Equal(("alice", "pa:ss", "Basic"), (credentials.UserName, credentials.Password, credentials.Source));
    }

    [Fact]
    public void ToString_NeverContainsThePassword()
    {
        var credentials = SoapCredentials.From(EnvelopeWith(), Basic("alice:very-secret"));

        Assert.DoesNotContain("very-secret", credentials.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic bm9jb2xvbg==")] // "nocolon"
    public void From_RefusesMalformedHttpBasic(string header) =>
        Assert.Equal(ExchangeFaultCode.AuthFailed, Assert.Throws<ExchangeFaultException>(() => SoapCredentials.From(EnvelopeWith(), header)).Code);

    [Fact]
    public void From_RefusesPasswordDigest_WithoutNonceAndCreated()
    {
        var token = Token("alice", "digest");
        token.Element(Wsse + "UsernameToken")!.Element(Wsse + "Password")!.SetAttributeValue("Type", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest");

        var fault = Assert.Throws<ExchangeFaultException>(() => SoapCredentials.From(EnvelopeWith(token), null));

        Assert.Equal(ExchangeFaultCode.AuthFailed, fault.Code);
        Assert.Contains("wsse:Nonce", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_RefusesAnUnknownPasswordType_NamingBothSupportedTypes()
    {
        var token = Token("alice", "x");
        token.Element(Wsse + "UsernameToken")!.Element(Wsse + "Password")!.SetAttributeValue("Type", "urn:other");

        var fault = Assert.Throws<ExchangeFaultException>(() => SoapCredentials.From(EnvelopeWith(token), null));

        Assert.Contains("#PasswordText", fault.Message, StringComparison.Ordinal);
        Assert.Contains("#PasswordDigest", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_RefusesARequestWithoutCredentials() =>
        Assert.Equal(ExchangeFaultCode.AuthFailed, Assert.Throws<ExchangeFaultException>(() => SoapCredentials.From(EnvelopeWith(), null)).Code);

    private static XElement Token(string user, string password) =>
        new(Wsse + "Security", new XElement(Wsse + "UsernameToken", new XElement(Wsse + "Username", user), new XElement(Wsse + "Password", password)));

    private static SoapEnvelope EnvelopeWith(params XElement[] headers) => new(headers, new XElement(SoapNamespaces.Contract + "Poll"), SoapVersion.Soap11);

    private static string Basic(string pair) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));
}
