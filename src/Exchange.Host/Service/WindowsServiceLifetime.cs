using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;

namespace Exchange.Host.Service;

/// <summary>Reports Running to the Windows SCM once the host has started (the Windows counterpart of READY=1).</summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsServiceLifetime(IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => WindowsServiceHost.Current?.ReportRunning());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
