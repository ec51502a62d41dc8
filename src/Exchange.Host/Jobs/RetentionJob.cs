using Exchange.Core.Operations;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>The scheduled purge. Thin: the work is in <see cref="RetentionService"/>.</summary>
[DisallowConcurrentExecution]
internal sealed partial class RetentionJob(RetentionService retention, ILogger<RetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("purge", "retention");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await retention.PurgeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger);
        }
#pragma warning disable CA1031 // A failed purge is logged and retried at the next trigger; the scheduler must keep running.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogFailed(logger, error, error.Message);
        }
    }

    [LoggerMessage(2201, LogLevel.Information, "Retention purge cancelled by shutdown; what was removed stays removed, the rest goes at the next run.")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(2202, LogLevel.Error, "Retention purge failed, retried at the next trigger: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception error, string reason);
}
