using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Exchange.Core.Configuration;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.WebService.Soap;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.WebService.Tests.Infrastructure;

/// <summary>How a test call sends its credentials.</summary>
public enum Credentials
{
    UsernameToken,
    Basic,
    None,
}

/// <summary>
/// The SOAP service on a real Kestrel port (127.0.0.1, a free port) over a real SQLite staging store in a temp folder,
/// wired exactly as a host wires it: AddExchangeWebService and MapExchangeService.
/// </summary>
public sealed class ExchangeServiceHost : IAsyncDisposable
{
    public const string InsurerA = "insurer-a";
    public const string InsurerAPassword = "insurer-a-password-秘密";
    public const string InsurerB = "insurer-b";
    public const string InsurerBPassword = "insurer-b-password";
    public const string Source = "source-1";
    public const string SourcePassword = "source-1-password";
    public const string DigestInsurer = "insurer-d";
    public const string DigestSecret = "insurer-d-digest-secret";

    private readonly TempDirectory _folder;
    private readonly WebApplication _app;

    private ExchangeServiceHost(TempDirectory folder, WebApplication app, SqliteStagingStore store, CapturingLoggerProvider logs, FakeTimeProvider time, Uri baseAddress)
    {
        _folder = folder;
        _app = app;
        Store = store;
        Logs = logs;
        Time = time;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public SqliteStagingStore Store { get; }

    public CapturingLoggerProvider Logs { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public static async Task<ExchangeServiceHost> StartAsync(int maxBatchesPerPoll = 100, Action<ExchangeOptions>? configure = null, Action<ServiceOptions>? service = null)
    {
        var folder = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero));
        var store = new SqliteStagingStore($"Data Source={folder.File("staging.db")}", time);
        await store.MigrateAsync(CancellationToken.None);

        // Low iteration counts keep the tests fast; the format and the code path are the production ones.
        var hasher = new Pbkdf2PasswordHasher(iterations: 1_000);
        var options = new ExchangeOptions
        {
            Principals =
            [
                new PrincipalOptions { Name = InsurerA, Role = "insurer", PasswordHash = hasher.Hash(InsurerAPassword), Datasets = ["KC24", "AC01"], MinPollInterval = TimeSpan.FromSeconds(30) },
                new PrincipalOptions { Name = InsurerB, Role = "insurer", PasswordHash = hasher.Hash(InsurerBPassword), Datasets = ["AC43"] },
                new PrincipalOptions { Name = Source, Role = "source", PasswordHash = hasher.Hash(SourcePassword), Datasets = ["AC01"] },
                new PrincipalOptions { Name = DigestInsurer, Role = "insurer", PasswordHash = hasher.Hash(DigestSecret), Datasets = ["AC01"], MinPollInterval = TimeSpan.Zero },
            ],
        };

        // The digest secret comes from a file only the service account can read, as in production.
        var secretFile = folder.File("insurer-d.secret");
        await File.WriteAllTextAsync(secretFile, DigestSecret + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        options.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = DigestInsurer, File = secretFile });
        options.Security.RateLimit.PermitsPerSecond = 0;
        configure?.Invoke(options);
        var serviceOptions = new ServiceOptions { Web = new WebOptions { MaxBatchesPerPoll = maxBatchesPerPoll } };
        service?.Invoke(serviceOptions);

        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddStagingStore(_ => store);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(Options.Create(serviceOptions));
        builder.Services.AddExchangeWebService();

        var app = builder.Build();
        app.MapExchangeService();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ExchangeServiceHost(folder, app, store, logs, time, new Uri(address));
    }

    /// <summary>Stores a batch of <paramref name="rows"/> rows in <paramref name="dataset"/>, as the extraction job would.</summary>
    public async Task<BatchHeader> AppendBatchAsync(string dataset, int rows)
    {
        var state = await Store.GetDatasetStateAsync(dataset, CancellationToken.None);
        return await Store.AppendBatchAsync(Batches.Make(dataset, rows, state.Watermark, $"w{state.LastSeq + 1}"), CancellationToken.None);
    }

    /// <summary>
    /// Posts a SOAP 1.1 envelope around <paramref name="operationXml"/> (elements in urn:exchange:v1), indented and with
    /// <c>mustUnderstand</c> on the security header, as WSDL-generated clients write it.
    /// </summary>
    public async Task<SoapReply> CallAsync(
        string operationXml,
        Credentials credentials = Credentials.UsernameToken,
        string user = InsurerA,
        string password = InsurerAPassword,
        string? soapAction = null,
        Action<HttpRequestMessage>? prepare = null)
    {
        var header = credentials == Credentials.UsernameToken
            ? $"""
              <soap:Header>
                <wsse:Security soap:mustUnderstand="1" xmlns:wsse="{Envelopes.Wsse}">
                  <wsse:UsernameToken>
                    <wsse:Username>{SecurityElement.Escape(user)}</wsse:Username>
                    <wsse:Password Type="{Envelopes.PasswordText}">{SecurityElement.Escape(password)}</wsse:Password>
                  </wsse:UsernameToken>
                </wsse:Security>
              </soap:Header>
              """
            : "";
        var envelope = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="{Envelopes.Soap11}" xmlns:x="{Envelopes.Exchange}">
              {header}
              <soap:Body>{operationXml}</soap:Body>
            </soap:Envelope>
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ExchangeService")
        {
            Content = new StringContent(envelope, Encoding.UTF8, "text/xml"),
        };
        if (credentials == Credentials.Basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        if (soapAction is not null)
        {
            request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{soapAction}\"");
        }

        prepare?.Invoke(request);
        return await SendAsync(request);
    }

    /// <summary>Posts <paramref name="envelope"/> as it is, with <paramref name="contentType"/> (a full Content-Type value).</summary>
    public async Task<SoapReply> PostRawAsync(string envelope, string contentType, string? soapAction = null, string? basicAuth = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ExchangeService") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(envelope)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (soapAction is not null)
        {
            request.Headers.TryAddWithoutValidation("SOAPAction", soapAction);
        }

        if (basicAuth is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basicAuth)));
        }

        return await SendAsync(request);
    }

    public async Task<SoapReply> SendAsync(HttpRequestMessage request)
    {
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new SoapReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text)
        {
            RetryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null,
            ContentType = response.Content.Headers.ContentType?.ToString(),
        };
    }

    /// <summary>The audit table, after writing the aggregated records of unauthenticated calls counted so far.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync()
    {
        await _app.Services.GetRequiredService<StrangerAudit>().FlushAllAsync();
        return await Store.ReadAuditAsync(DateTimeOffset.MinValue, 1000, CancellationToken.None);
    }

    /// <summary>Drops the cursors table behind the service's back, so that from then on every Poll fails in the store.</summary>
    public async Task BreakStoreAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Store.FilePath}");
        await connection.OpenAsync();
        await using var drop = connection.CreateCommand();
        drop.CommandText = "DROP TABLE cursors;";
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A service of the running host (internal ones included).</summary>
    public T Service<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>An HTTP reply to a SOAP call.</summary>
public sealed record SoapReply(HttpStatusCode Status, string? MediaType, string Text)
{
    public static readonly XNamespace Soap = Envelopes.Soap11;
    public static readonly XNamespace Soap12 = Envelopes.Soap12;
    public static readonly XNamespace X = Envelopes.Exchange;

    /// <summary>The Retry-After header in seconds, or null.</summary>
    public int? RetryAfter { get; init; }

    /// <summary>The full Content-Type of the reply.</summary>
    public string? ContentType { get; init; }

    /// <summary>The envelope namespace of the reply (SOAP 1.1 or 1.2).</summary>
    public XNamespace EnvelopeNamespace => XDocument.Parse(Text).Root!.Name.Namespace;

    public XElement Body => XDocument.Parse(Text).Root!.Element(EnvelopeNamespace + "Body")!.Elements().Single();

    /// <summary>The SOAP 1.2 env:Code/env:Value of a fault.</summary>
    public string? Soap12Code => Body.Element(Soap12 + "Code")?.Element(Soap12 + "Value")?.Value;

    /// <summary>The SOAP 1.1 faultcode of a fault.</summary>
    public string? Soap11Code => Body.Element("faultcode")?.Value;

    public string? FaultCode => XDocument.Parse(Text).Descendants(X + "ExchangeFault").SingleOrDefault()?.Element(X + "Code")?.Value;

    public string? FaultMessage => XDocument.Parse(Text).Descendants(X + "ExchangeFault").SingleOrDefault()?.Element(X + "Message")?.Value;

    /// <summary>The response element, after checking the call succeeded.</summary>
    public XElement Ok(string responseName)
    {
        Assert.True(Status == HttpStatusCode.OK, $"Expected HTTP 200 with {responseName}, got {(int)Status}: {Text}");
        var body = Body;
        Assert.Equal(X + responseName, body.Name);
        return body;
    }

    /// <summary>Checks the reply is a SOAP 1.1 fault with HTTP 500 and <paramref name="code"/>.</summary>
    public void AssertFault(string code)
    {
        Assert.True(Status == HttpStatusCode.InternalServerError, $"Expected HTTP 500 with fault {code}, got {(int)Status}: {Text}");
        Assert.Equal("text/xml", MediaType);
        var fault = Body;
        Assert.Equal(Soap + "Fault", fault.Name);
        Assert.NotNull(fault.Element("faultcode"));
        Assert.NotNull(fault.Element("faultstring"));
        Assert.Equal(code, FaultCode);
    }
}
