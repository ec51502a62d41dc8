using Exchange.Core.Operations;
using Exchange.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace Exchange.Host.Cli;

/// <summary><c>exchange purge</c>: the scheduled purge, now. What it removed goes to standard output and to the log file.</summary>
internal static class PurgeCommand
{
    public static async Task<int> RunAsync(ConfigLocation location, LoadedConfiguration loaded, IOperationsStore store, TextWriter output, CancellationToken cancellationToken)
    {
        NLogSetup.Configure(location, loaded.Service.LogDirectory);
        try
        {
            using var logging = LoggerFactory.Create(builder => NLog.Extensions.Logging.ConfigureExtensions.AddNLog(builder));
            var retention = new RetentionService(store, Microsoft.Extensions.Options.Options.Create(loaded.Options), TimeProvider.System, logging.CreateLogger<RetentionService>());
            var result = await retention.PurgeAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync("Purge: " + result).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            NLog.LogManager.Shutdown();
        }
    }
}
