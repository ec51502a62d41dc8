using Exchange.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>
/// Puts the request worker on the Quartz scheduler at <c>RequestTypes:WorkerInterval</c> of <c>schedule.json</c>, and
/// moves it to a new interval when the schedule is reloaded (zero stops it).
/// </summary>
internal sealed partial class RequestWorkerScheduler(
    ISchedulerFactory schedulerFactory,
    IOptionsMonitor<ScheduleOptions> schedule,
    TimeProvider timeProvider,
    ILogger<RequestWorkerScheduler> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _applying = new(1, 1);
    private IDisposable? _subscription;
    private TimeSpan? _current;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ApplyAsync(schedule.CurrentValue.RequestTypes.WorkerInterval, cancellationToken).ConfigureAwait(false);
        _subscription = schedule.OnChange((options, name) => _ = ApplyAsync(options.RequestTypes.WorkerInterval, CancellationToken.None));
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _applying.Dispose();
    }

    private async Task ApplyAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current == interval)
            {
                return;
            }

            var scheduler = await schedulerFactory.GetScheduler(cancellationToken).ConfigureAwait(false);
            if (interval <= TimeSpan.Zero)
            {
                await scheduler.DeleteJob(RequestWorkerJob.Key, cancellationToken).ConfigureAwait(false);
                LogStopped(logger);
            }
            else
            {
                var job = JobBuilder.Create<RequestWorkerJob>().WithIdentity(RequestWorkerJob.Key).DisallowConcurrentExecution(true).Build();

                // A missed fire is not caught up in a burst: one run answers everything pending anyway.
                var trigger = TriggerBuilder.Create(timeProvider)
                    .WithIdentity(RequestWorkerJob.Key.Name + "-interval", RequestWorkerJob.Key.Group)
                    .ForJob(RequestWorkerJob.Key)
                    .StartNow()
                    .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                    .Build();
                await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken).ConfigureAwait(false);
                LogScheduled(logger, interval);
            }

            _current = interval;
        }
#pragma warning disable CA1031 // A reload that cannot be applied keeps the previous interval; the daemon keeps running.
        catch (Exception error) when (error is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogApplyFailed(logger, error, interval, error.Message);
        }
        finally
        {
            _applying.Release();
        }
    }

    [LoggerMessage(2211, LogLevel.Information, "Request worker scheduled every {Interval}")]
    private static partial void LogScheduled(ILogger logger, TimeSpan interval);

    [LoggerMessage(2212, LogLevel.Information, "Request worker stopped (RequestTypes:WorkerInterval is zero)")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(2213, LogLevel.Error, "Request worker interval {Interval} could not be applied: {Reason}")]
    private static partial void LogApplyFailed(ILogger logger, Exception error, TimeSpan interval, string reason);
}
