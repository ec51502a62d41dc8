using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Exchange.Core.Delivery;

namespace Exchange.WebService.Soap;

/// <summary>The embedded contract files: the XSD that requests are validated against and the WSDL served at <c>?wsdl</c>.</summary>
internal sealed class SoapContract
{
    private const string XsdResource = "Contract/ExchangeService.xsd";
    private const string WsdlResource = "Contract/ExchangeService.wsdl";

    private static readonly XNamespace Wsdl = "http://schemas.xmlsoap.org/wsdl/";
    private static readonly XNamespace WsdlSoap11 = "http://schemas.xmlsoap.org/wsdl/soap/";
    private static readonly XNamespace WsdlSoap12 = "http://schemas.xmlsoap.org/wsdl/soap12/";

    private readonly XmlSchemaSet _schemas;
    private readonly XDocument _wsdl;

    /// <summary>Loads and compiles the embedded contract.</summary>
    public SoapContract()
    {
        Xsd = LoadResource(XsdResource);
        var schemas = new XmlSchemaSet { XmlResolver = null };
        using (var reader = Xsd.CreateReader())
        {
            schemas.Add(SoapNamespaces.Contract.NamespaceName, reader);
        }

        schemas.Compile();
        _schemas = schemas;

        // The served WSDL is self-contained: the schema goes inline instead of the import of the .xsd file.
        _wsdl = LoadResource(WsdlResource);
        var types = _wsdl.Root!.Element(Wsdl + "types")!;
        types.RemoveNodes();
        types.Add(new XElement(Xsd.Root!));
    }

    /// <summary>The contract schema.</summary>
    public XDocument Xsd { get; }

    /// <summary>The WSDL with its service addresses set to <paramref name="serviceUrl"/>.</summary>
    public string WsdlFor(string serviceUrl)
    {
        var copy = new XDocument(_wsdl);
        foreach (var address in copy.Descendants().Where(e => e.Name == WsdlSoap11 + "address" || e.Name == WsdlSoap12 + "address"))
        {
            address.SetAttributeValue("location", serviceUrl);
        }

        return copy.Declaration + Environment.NewLine + copy.ToString(SaveOptions.None);
    }

    /// <summary>Whether the contract declares a request element named <paramref name="operation"/> (offered or not).</summary>
    public bool Declares(string operation) =>
        IsGlobal(operation)
        && operation != "ExchangeFault"

        // A response element is <Operation>Response of a declared operation ("GetResponse" itself is a request).
        && !(operation.EndsWith("Response", StringComparison.Ordinal) && IsGlobal(operation[..^"Response".Length]));

    private bool IsGlobal(string name) => _schemas.GlobalElements.Contains(new XmlQualifiedName(name, SoapNamespaces.Contract.NamespaceName));

    /// <summary>Checks <paramref name="request"/> (an operation element) against the contract schema.</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> naming the first violation.</exception>
    public void Validate(XElement request)
    {
        if (_schemas.GlobalElements[new XmlQualifiedName(request.Name.LocalName, request.Name.NamespaceName)] is not XmlSchemaElement declaration)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"Element '{request.Name.LocalName}' in namespace '{request.Name.NamespaceName}' is not declared by the contract (see ?wsdl).");
        }

        string? error = null;
        request.Validate(declaration, _schemas, (_, e) => error ??= e.Message);
        if (error is not null)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"The {request.Name.LocalName} request does not match the contract (see ?wsdl): {error}");
        }
    }

    private static XDocument LoadResource(string path)
    {
        var assembly = typeof(SoapContract).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(path.Replace('/', '.'), StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        return XDocument.Load(stream, LoadOptions.None);
    }
}
