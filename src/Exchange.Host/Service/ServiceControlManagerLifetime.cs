using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.WindowsServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Service;

/// <summary>
/// The library's Windows service lifetime, holding StartPending until the daemon serves: the base class reports Running
/// as soon as <c>OnStart</c> returns, which is before any hosted service (Kestrel included) has started. A stop reports
/// StopPending with a wait hint that covers the shutdown timeout; a start that failed stops with exit code 1, so the
/// recovery actions (<c>sc.exe failure</c>, failureflag 1) apply.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class ServiceControlManagerLifetime : WindowsServiceLifetime
{
    /// <summary>How long the SCM waits for the next check point; one is reported every two seconds while the host starts.</summary>
    private static readonly TimeSpan StartWaitHint = TimeSpan.FromSeconds(60);

    /// <summary>Added to the shutdown timeout for the process to exit after the host stopped.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(10);

    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeSpan _stopWaitHint;

    public ServiceControlManagerLifetime(IHostEnvironment environment, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory, IOptions<HostOptions> hostOptions)
        : base(environment, lifetime, loggerFactory, hostOptions)
    {
        _lifetime = lifetime;
        _stopWaitHint = hostOptions.Value.ShutdownTimeout + StopMargin;
    }

    protected override void OnStart(string[] args)
    {
        // Lets the host start its hosted services; Running is reported when this method returns.
        base.OnStart(args);
        using var settled = new ManualResetEventSlim();
        using (_lifetime.ApplicationStarted.Register(settled.Set))
        using (_lifetime.ApplicationStopping.Register(settled.Set))
        {
            do
            {
                RequestAdditionalTime(StartWaitHint);
            }
            while (!settled.Wait(TimeSpan.FromSeconds(2)));
        }

        if (!_lifetime.ApplicationStarted.IsCancellationRequested)
        {
            // The daemon logged why; the stop that follows carries a non-zero exit code.
            ExitCode = 1;
        }
    }

    // Only a stop: the base class calls OnShutdown while the service still reports Running, where no wait hint is allowed.
    protected override void OnStop()
    {
        RequestAdditionalTime(_stopWaitHint);
        base.OnStop();
    }
}
