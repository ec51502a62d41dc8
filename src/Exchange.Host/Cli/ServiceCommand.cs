using Exchange.Host.Configuration;
using Microsoft.Extensions.Hosting.WindowsServices;

namespace Exchange.Host.Cli;

/// <summary>
/// <c>exchange service</c>: the daemon under the Windows service control manager (install/install-windows.ps1 registers
/// it); the host's lifetime is then the SCM's (see Composition/ServiceManagerRegistration.cs).
/// </summary>
internal static class ServiceCommand
{
    /// <summary>Exit code when the verb is used where it cannot work (not Windows, or not started by the SCM).</summary>
    public const int ExitNotAService = 4;

    public static async Task<int> RunAsync(ConfigLocation location, TextWriter error, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            await error.WriteLineAsync("'exchange service' runs only under the Windows service control manager. On Linux install/exchange.service runs 'exchange run' under systemd (Type=notify).").ConfigureAwait(false);
            return ExitNotAService;
        }

        if (!WindowsServiceHelpers.IsWindowsService())
        {
            await error.WriteLineAsync("'exchange service' was not started by the Windows service control manager: start the service (sc.exe start exchange), or use 'exchange run' in a console.").ConfigureAwait(false);
            return ExitNotAService;
        }

        return await ExchangeDaemon.RunAsync(location, cancellationToken).ConfigureAwait(false);
    }
}
