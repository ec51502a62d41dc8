using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>TLS from PEM files in the config, and a client certificate bound by its SHA-256 thumbprint to a principal.</summary>
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private const string Principal = "tls-insurer";
    private const string Password = "tls-insurer-password";
    private readonly TestConfig _config = new();
    private readonly X509Certificate2 _bound = SelfSigned("CN=insurer-bound");
    private readonly X509Certificate2 _unbound = SelfSigned("CN=insurer-unbound");
    private ExchangeProcess? _daemon;

    private string ServiceUrl => $"https://127.0.0.1:{_config.Port}/ExchangeService";

    public async Task InitializeAsync()
    {
        using var server = SelfSigned("CN=127.0.0.1");
        var certificateFile = Path.Combine(_config.Root, "server.pem");
        var keyFile = Path.Combine(_config.Root, "server.key");
        await File.WriteAllTextAsync(certificateFile, server.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        _config.Exchange["Web"]!["Urls"] = $"https://127.0.0.1:{_config.Port}";
        _config.Exchange["Demo"]!["Enabled"] = false;
        _config.Schedule["Datasets"] = new JsonArray();
        _config.Exchange["Principals"] = new JsonArray(new JsonObject
        {
            ["Name"] = Principal, ["Role"] = "insurer", ["PasswordHash"] = new Pbkdf2PasswordHasher(1_000).Hash(Password),
            ["Datasets"] = new JsonArray("TX01"), ["FunctionCodes"] = new JsonArray(), ["MinPollInterval"] = "00:00:00",
        });
        _config.Exchange["Security"] = new JsonObject
        {
            ["Tls"] = new JsonObject
            {
                ["CertificateFile"] = certificateFile,
                ["KeyFile"] = keyFile,
                ["ClientCertificates"] = new JsonArray(new JsonObject { ["Thumbprint"] = Convert.ToHexString(SHA256.HashData(_bound.RawData)).ToLowerInvariant(), ["Principal"] = Principal }),
            },
        };
        _daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await _daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        _bound.Dispose();
        _unbound.Dispose();
        _config.Dispose();
    }

    [Fact]
    public async Task BoundClientCertificate_AuthenticatesWithoutOtherCredentials_OverTls()
    {
        var (status, text) = await PollAsync(_bound, header: "");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("PollResponse", text, StringComparison.Ordinal);
        Assert.Contains($"operation=Poll principal={Principal}", await File.ReadAllTextAsync(Path.Combine(_config.LogDirectory, "audit.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnboundClientCertificate_OrNone_WithoutCredentials_IsAuthFailed()
    {
        Assert.Contains("<Code>AuthFailed</Code>", (await PollAsync(_unbound, header: "")).Text, StringComparison.Ordinal);
        Assert.Contains("<Code>AuthFailed</Code>", (await PollAsync(null, header: "")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordOverTls_StillWorks_WithoutAClientCertificate()
    {
        var (status, _) = await PollAsync(null, header: Envelopes.TextToken(Principal, Password, typed: false));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<(HttpStatusCode Status, string Text)> PollAsync(X509Certificate2? clientCertificate, string header)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The test's server certificate is self-signed; trust is not what this test is about.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        using var http = new HttpClient(handler);
        var envelope = Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", header, declaration: false);
        using var response = await http.PostAsync(ServiceUrl, new StringContent(envelope, Encoding.UTF8, "text/xml"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
