using Exchange.Core.Load;
using Microsoft.Extensions.Hosting;

namespace Exchange.Host.Jobs;

/// <summary>Runs the load gate's background sampling for the daemon's lifetime.</summary>
internal sealed class LoadSamplingService(LoadGate gate) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Lets the other hosted services (the demo creating its source) start before the first sample.
        await Task.Yield();
        try
        {
            await gate.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
