using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// A plain SOAP 1.1 client over HttpClient. Its envelopes are built with LINQ to XML, so they use default namespaces
/// (<c>&lt;Envelope xmlns="…"&gt;</c>) as .NET tooling writes them, where <see cref="Envelopes"/> writes prefixes.
/// </summary>
public sealed class SoapClient(string serviceUrl, string user, string password) : IDisposable
{
    public static readonly XNamespace Ns = Envelopes.Exchange;
    private static readonly XNamespace Soap = Envelopes.Soap11;
    private static readonly XNamespace Wsse = Envelopes.Wsse;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Send credentials as WS-Security UsernameToken (true) or HTTP Basic (false).</summary>
    public bool UseUsernameToken { get; set; } = true;

    /// <summary>Calls an operation; returns the HTTP status and the parsed envelope.</summary>
    public async Task<(int Status, XDocument Envelope)> CallAsync(string operation, params (string Name, object Value)[] fields)
    {
        var header = UseUsernameToken
            ? new XElement(Soap + "Header",
                new XElement(Wsse + "Security",
                    new XElement(Wsse + "UsernameToken",
                        new XElement(Wsse + "Username", user),
                        new XElement(Wsse + "Password", new XAttribute("Type", Envelopes.PasswordText), password))))
            : null;
        var envelope = new XDocument(new XElement(Soap + "Envelope",
            header,
            new XElement(Soap + "Body", new XElement(Ns + operation, fields.Select(f => new XElement(Ns + f.Name, f.Value))))));
        return await PostAsync(operation, envelope.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>Posts a raw body as SOAP 1.1.</summary>
    public async Task<(int Status, XDocument Envelope)> PostAsync(string operation, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, serviceUrl)
        {
            Content = new StringContent(body, Encoding.UTF8, "text/xml"),
        };
        request.Headers.Add("SOAPAction", $"\"urn:exchange:v1/{operation}\"");
        if (!UseUsernameToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, XDocument.Parse(text));
    }

    /// <summary>The operation's response element, or throws with the fault when the call failed.</summary>
    public async Task<XElement> CallOkAsync(string operation, params (string Name, object Value)[] fields)
    {
        var (status, envelope) = await CallAsync(operation, fields);
        var body = envelope.Root!.Element(Soap + "Body")!;
        var fault = body.Element(Soap + "Fault");
        if (status != 200 || fault is not null)
        {
            throw new InvalidOperationException($"{operation} failed with HTTP {status}: {envelope}");
        }

        return body.Elements().Single();
    }

    /// <summary>The <c>ExchangeFault/Code</c> of a fault envelope, or null.</summary>
    public static string? FaultCode(XDocument envelope) =>
        envelope.Descendants(Ns + "ExchangeFault").Elements(Ns + "Code").FirstOrDefault()?.Value;

    public void Dispose() => _http.Dispose();
}
