using Exchange.Core.Configuration;
using Exchange.Core.Operations;
using Exchange.Core.Security;
using Exchange.Host.Configuration;
using Exchange.WebService;
using Exchange.WebService.Operator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Operator;

/// <summary>
/// The operator endpoint as its own small Kestrel server (loopback by default), so the status page, health and metrics
/// never share a port, a firewall rule or a rate limit with the insurers' SOAP endpoint.
/// </summary>
internal sealed partial class OperatorEndpointService(IServiceProvider root, IOptions<ServiceOptions> options, ILogger<OperatorEndpointService> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var urls = options.Value.Operator.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            LogDisabled(logger);
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(WebApplicationDefaults.Options(null));
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(root.GetRequiredService<ILoggerFactory>());
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        // The same singletons as the daemon: the page shows the daemon's own figures, not a second copy.
        var services = builder.Services;
        services.AddSingleton(root.GetRequiredService<TimeProvider>());
        services.AddSingleton(root.GetRequiredService<IOptions<ExchangeOptions>>());
        services.AddSingleton(options);
        services.AddSingleton(root.GetRequiredService<IOperationsStore>());
        services.AddSingleton(root.GetRequiredService<OperatorSnapshotSource>());
        services.AddSingleton(root.GetRequiredService<ReadinessCheck>());
        services.AddSingleton(root.GetRequiredService<PrometheusMetrics>());
        services.AddSingleton(root.GetRequiredService<IProbeThresholds>());
        services.AddSingleton(root.GetService<IPasswordHasher>() ?? new Pbkdf2PasswordHasher());

        _app = builder.Build();
        _app.UseOperatorAccess();
        _app.MapOperatorEndpoints();
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException error)
        {
            LogCannotListen(logger, string.Join(";", urls), error.Message);
            throw;
        }
        foreach (var address in _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            LogListening(logger, address);
        }

        var op = options.Value.Operator;
        LogAccess(logger, string.Join(", ", OperatorBinding.AcceptedHosts(op)), op.Principals.Count > 0 ? $"HTTP Basic for {op.Principals.Count} operator(s)" : "none (loopback only)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(3101, LogLevel.Information, "Operator endpoint on {Address}: status page /, /healthz, /readyz, /metrics")]
    private static partial void LogListening(ILogger logger, string address);

    [LoggerMessage(3103, LogLevel.Critical, "Operator endpoint cannot listen on {Urls}: {Reason}. Free the port or change Exchange:Operator:Urls (empty turns the endpoint off).")]
    private static partial void LogCannotListen(ILogger logger, string urls, string reason);

    [LoggerMessage(3104, LogLevel.Information, "Operator endpoint answers to Host {Hosts}; credentials for the status page and /metrics: {Credentials}; /healthz and /readyz open")]
    private static partial void LogAccess(ILogger logger, string hosts, string credentials);

    [LoggerMessage(3102, LogLevel.Information, "Operator endpoint off (Exchange:Operator:Urls is empty)")]
    private static partial void LogDisabled(ILogger logger);
}
