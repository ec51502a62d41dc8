using Exchange.Host.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting.WindowsServices;

namespace Exchange.Host.Composition;

/// <summary>
/// Wiring for the service managers: the Windows service control manager's lifetime, systemd's READY=1/STOPPING=1
/// (Microsoft.Extensions.Hosting.Systemd), and the watchdog ping and status text that library lacks.
/// </summary>
internal static class ServiceManagerRegistration
{
    public static IServiceCollection AddExchangeServiceManagers(this IServiceCollection services)
    {
        if (OperatingSystem.IsWindows() && WindowsServiceHelpers.IsWindowsService())
        {
            // Not AddWindowsService(): it also adds an event-log provider, which would bypass nlog.config and its masking.
            services.AddSingleton<IHostLifetime, ServiceControlManagerLifetime>();
        }

        services.AddSystemd();
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        if (!SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
        {
            // AddSystemd acts only when systemd is the parent process; sd_notify's contract is the variable alone (a wrapper
            // script, systemd-run, or a test holding the socket), so its lifetime is used whenever the variable is set.
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        services.AddHostedService<SystemdWatchdog>();
        return services;
    }
}
