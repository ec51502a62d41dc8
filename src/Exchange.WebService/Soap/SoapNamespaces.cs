using System.Xml.Linq;

namespace Exchange.WebService.Soap;

/// <summary>XML namespaces of the service contract and of the protocols it speaks.</summary>
internal static class SoapNamespaces
{
    /// <summary>The contract namespace, <c>urn:exchange:v1</c>.</summary>
    public static readonly XNamespace Contract = "urn:exchange:v1";

    /// <summary>SOAP 1.1 envelope.</summary>
    public static readonly XNamespace Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";

    /// <summary>SOAP 1.2 envelope.</summary>
    public static readonly XNamespace Soap12 = "http://www.w3.org/2003/05/soap-envelope";

    /// <summary>WS-Security 1.0 secext.</summary>
    public static readonly XNamespace WsSecurity = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

    /// <summary>WS-Security 1.0 utility (<c>wsu:Created</c>).</summary>
    public static readonly XNamespace WsUtility = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    /// <summary>The <c>Type</c> of a <c>wsse:Password</c> sent as Base64(SHA-1(nonce + created + password)).</summary>
    public const string PasswordDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

    /// <summary>The <c>Type</c> of a <c>wsse:Password</c> sent in clear text.</summary>
    public const string PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

    /// <summary>The <c>SOAPAction</c> of an operation: <c>urn:exchange:v1/&lt;Operation&gt;</c>.</summary>
    public static string ActionOf(string operation) => $"urn:exchange:v1/{operation}";
}
