using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Operator;

/// <summary>The operator endpoint of a real daemon with an operator configured: Host check, HTTP Basic, open probes.</summary>
public sealed class OperatorAccessTests : IAsyncLifetime
{
    private const string Password = "operator-password";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TestConfig _config = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ExchangeProcess? _process;
    private string _operatorUrl = "";

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync()
    {
        _operatorUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        _config.Exchange["Operator"] = new JsonObject
        {
            ["Urls"] = _operatorUrl,
            ["AllowedHosts"] = new JsonArray("exchange01.example.org"),
            ["Principals"] = new JsonArray(new JsonObject { ["Name"] = "ops", ["PasswordHash"] = new Pbkdf2PasswordHasher(iterations: 1_000).Hash(Password) }),
        };
        _process = ExchangeProcess.Start("run", "--config", _config.Write());
        await _process.WaitForLineAsync("Operator endpoint on", Timeout);
    }

    private async Task<(HttpStatusCode Status, string Body, string? Challenge)> GetAsync(string path, string? host = null, string? password = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _operatorUrl + path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (password is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + password)));
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task StatusPageAndMetrics_NeedTheOperatorsPassword_ProbesStayOpen_AndForeignHostsAreRefused()
    {
        await StartAsync();

        var page = await GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.Status);
        Assert.Equal("Basic realm=\"Exchange operator\", charset=\"UTF-8\"", page.Challenge);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/metrics", password: "wrong")).Status);
        var metrics = await GetAsync("/metrics", password: Password);
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.Contains("exchange_", metrics.Body, StringComparison.Ordinal);
        var status = await GetAsync("/", host: "exchange01.example.org:8443", password: Password);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Contains("<html", status.Body, StringComparison.OrdinalIgnoreCase);

        Assert.Equal((HttpStatusCode.OK, "ok\n"), ((await GetAsync("/healthz")).Status, (await GetAsync("/healthz")).Body));
        var readyOpen = await GetAsync("/readyz");
        Assert.Equal((HttpStatusCode.OK, "ready\n"), (readyOpen.Status, readyOpen.Body));
        var readyDetails = await GetAsync("/readyz", password: Password);
        Assert.Contains("ok   staging: writable", readyDetails.Body, StringComparison.Ordinal);

        var rebound = await GetAsync("/metrics", host: "attacker.example", password: Password);
        Assert.Equal(HttpStatusCode.BadRequest, rebound.Status);
        Assert.StartsWith("Host 'attacker.example' is not a name of this operator endpoint. Accepted: localhost, 127.0.0.1, [::1], exchange01.example.org (any port).", rebound.Body, StringComparison.Ordinal);
        await _process!.WaitForLineAsync("Operator login failed from 127.0.0.1 for /metrics", Timeout);
    }

    [Fact]
    public async Task Run_WithTheOperatorEndpointOutsideLoopbackAndNoOperator_RefusesToStart()
    {
        _config.Exchange["Operator"] = new JsonObject { ["Urls"] = $"http://0.0.0.0:{FreePorts.Next()}", ["AllowedHosts"] = new JsonArray("exchange01.example.org") };
        _process = ExchangeProcess.Start("run", "--config", _config.Write());

        Assert.Equal(2, await _process.WaitForExitAsync(Timeout));
        Assert.Contains("Exchange:Operator:Principals: Operator:Urls binds 'http://0.0.0.0:", _process.Output, StringComparison.Ordinal);
        Assert.Contains("which is not loopback, so the status page and /metrics need credentials, and none are configured", _process.Output, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _config.Dispose();
    }
}
