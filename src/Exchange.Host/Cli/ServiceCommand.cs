using Exchange.Host.Configuration;
using Exchange.Host.Service;

namespace Exchange.Host.Cli;

/// <summary><c>exchange service</c>: the daemon under the Windows service control manager (install/install-windows.ps1 registers it).</summary>
internal static class ServiceCommand
{
    /// <summary>Exit code when the verb is used where it cannot work (not Windows, or not started by the SCM).</summary>
    public const int ExitNotAService = 4;

    public static int Run(ConfigLocation location, TextWriter error)
    {
        if (!OperatingSystem.IsWindows())
        {
            error.WriteLine("'exchange service' runs only under the Windows service control manager. On Linux install/exchange.service runs 'exchange run' under systemd (Type=notify).");
            return ExitNotAService;
        }

        // The bound comes from the configuration; a broken configuration is reported by the daemon itself (exit code 2).
        ExchangeCommandLine.LoadAndValidate(location, out var options, out _);
        var exitCode = WindowsServiceHost.Run(token => ExchangeDaemon.RunAsync(location, token), options.Operator.ShutdownTimeout);
        if (exitCode is null)
        {
            error.WriteLine("'exchange service' was not started by the Windows service control manager: start the service (sc.exe start exchange), or use 'exchange run' in a console.");
            return ExitNotAService;
        }

        return exitCode.Value;
    }
}
