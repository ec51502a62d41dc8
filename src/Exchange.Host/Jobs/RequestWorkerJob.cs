using Exchange.Core.Requests;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>Runs the request worker once. Thin: the work is in <see cref="RequestWorker"/>.</summary>
[DisallowConcurrentExecution]
internal sealed partial class RequestWorkerJob(RequestWorker worker, ILogger<RequestWorkerJob> logger) : IJob
{
    public static readonly JobKey Key = new("request-worker", "requests");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await worker.RunAsync(cancellationToken).ConfigureAwait(false);
            if (result.Answered > 0 || result.Retried > 0 || result.Expired > 0)
            {
                LogRun(logger, result.Answered, result.Retried, result.Expired, result.GateClosedSources);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger);
        }
#pragma warning disable CA1031 // A failed run is logged and retried at the next trigger; the scheduler must keep running.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogFailed(logger, error, error.Message);
        }
    }

    [LoggerMessage(2201, LogLevel.Information, "Request worker: {Answered} answered, {Retried} attempts to retry, {Expired} expired, {GateClosed} sources waiting for the load gate")]
    private static partial void LogRun(ILogger logger, int answered, int retried, int expired, int gateClosed);

    [LoggerMessage(2202, LogLevel.Information, "Request worker cancelled by shutdown; a request in flight is taken over when its lease runs out.")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(2203, LogLevel.Error, "Request worker run failed, retried at the next trigger: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception error, string reason);
}
