using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Exchange.Core.Security;
using Exchange.WebService.Operator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.WebService.Tests.Operator;

/// <summary>The operator endpoint's Host check and operator login, over real HTTP against Kestrel on loopback.</summary>
public sealed class OperatorAccessTests : IAsyncDisposable
{
    private const string Password = "correct horse battery staple";

    // Few iterations: the hash format and the check are the real ones, the test just does not pay 100,000 rounds per login.
    private static readonly string Hash = new Pbkdf2PasswordHasher(iterations: 1_000).Hash(Password);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private WebApplication? _app;
    private Uri _base = null!;

    private async Task StartAsync(Action<OperatorOptions> configure)
    {
        var options = new ServiceOptions();
        configure(options.Operator);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Options.Create(options));
        // A clock that stands still half a minute into a minute: the login throttle counts in whole minutes, and the real
        // clock could cross into the next one between the failures and the refused call.
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 30, TimeSpan.Zero)));
        _app = builder.Build();
        _app.UseOperatorAccess();

        // The real routes need the daemon's stores; these stand-ins answer what the guard let through and whether it allowed details.
        string Details(HttpContext context) => context.Items.TryGetValue(OperatorAccess.MaySeeDetailsKey, out var details) && details is true ? "details" : "status only";
        _app.MapGet("/", () => "status page");
        _app.MapGet("/metrics", () => "metrics");
        _app.MapGet("/healthz", () => "ok");
        _app.MapGet("/readyz", Details);
        await _app.StartAsync();
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? host = null, string? user = null, string? password = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task AForeignHost_IsRefusedWith400_NamingTheHostSentAndTheAcceptedOnes_OnEveryPath()
    {
        await StartAsync(op => op.AllowedHosts = ["Exchange01.example.org"]);

        foreach (var path in (string[])["/", "/metrics", "/healthz", "/readyz"])
        {
            var (status, body, response) = await GetAsync(path, host: "rebound.attacker.example:8081");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Equal(
                "Host 'rebound.attacker.example:8081' is not a name of this operator endpoint. Accepted: localhost, 127.0.0.1, [::1], exchange01.example.org (any port). Other names can be added in Exchange:Operator:AllowedHosts.\n",
                body);
        }
    }

    [Fact]
    public async Task TheEndpointsOwnNames_AreAccepted_AtAnyPortAndInAnyCase()
    {
        await StartAsync(op =>
        {
            op.Urls = "http://127.0.0.1:8081;http://ops-box:8082";
            op.AllowedHosts = ["exchange01.example.org:443", "10.1.2.3"];
        });

        foreach (var host in (string[])["localhost", "LOCALHOST:1", "127.0.0.1:9", "[::1]:8081", "ops-box", "Exchange01.Example.Org.:80", "10.1.2.3:8081"])
        {
            var (status, body, _) = await GetAsync("/healthz", host: host);
            Assert.True(status == HttpStatusCode.OK, $"Host '{host}' was answered {(int)status}: {body}");
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/healthz", host: "10.1.2.4")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/healthz", host: "exchange01.example.org.attacker.example")).Status);
    }

    [Fact]
    public async Task OnLoopbackWithoutOperators_EveryPageIsOpen_WithDetails()
    {
        await StartAsync(_ => { });

        Assert.Equal((HttpStatusCode.OK, "status page"), Pick(await GetAsync("/")));
        Assert.Equal((HttpStatusCode.OK, "metrics"), Pick(await GetAsync("/metrics")));
        Assert.Equal((HttpStatusCode.OK, "details"), Pick(await GetAsync("/readyz")));
    }

    [Fact]
    public async Task WithOperators_TheStatusPageAndMetricsNeedBasicCredentials_HealthAndReadinessStayOpen()
    {
        await StartAsync(op => op.Principals = [new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash }]);

        foreach (var path in (string[])["/", "/metrics", "/status", "/nothing-here"])
        {
            var (status, body, response) = await GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("Basic realm=\"Exchange operator\", charset=\"UTF-8\"", response.Headers.WwwAuthenticate.ToString());
            Assert.DoesNotContain("status page", body, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/", user: "ops", password: "wrong")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/", user: "nobody", password: Password)).Status);
        Assert.Equal((HttpStatusCode.OK, "status page"), Pick(await GetAsync("/", user: "ops", password: Password)));
        Assert.Equal((HttpStatusCode.OK, "metrics"), Pick(await GetAsync("/metrics", user: "ops", password: Password)));

        Assert.Equal((HttpStatusCode.OK, "ok"), Pick(await GetAsync("/healthz")));
        Assert.Equal((HttpStatusCode.OK, "status only"), Pick(await GetAsync("/readyz")));
        Assert.Equal((HttpStatusCode.OK, "details"), Pick(await GetAsync("/readyz", user: "ops", password: Password)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/readyz", user: "ops", password: "wrong")).Status);
    }

    [Fact]
    public async Task FailedLogins_PastTheAllowance_AreRefusedBeforeAnyPasswordIsChecked()
    {
        await StartAsync(op =>
        {
            op.Principals = [new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash }];
            op.FailedLoginsPerMinute = 3;
        });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/", user: "ops", password: $"guess-{i}")).Status);
        }

        var (status, body, response) = await GetAsync("/", user: "ops", password: Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.StartsWith("Too many failed operator logins from 127.0.0.1; try again in ", body, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "ok"), Pick(await GetAsync("/healthz")));
    }

    private static (HttpStatusCode, string) Pick((HttpStatusCode Status, string Body, HttpResponseMessage Response) result)
    {
        result.Response.Dispose();
        return (result.Status, result.Body);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
