using Exchange.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>Puts the retention purge on the Quartz scheduler with the cron of <c>Exchange:Retention:Cron</c>.</summary>
internal sealed partial class RetentionScheduler(
    ISchedulerFactory schedulerFactory,
    IOptions<ExchangeOptions> options,
    TimeProvider timeProvider,
    ILogger<RetentionScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Retention;
        if (string.IsNullOrWhiteSpace(retention.Cron))
        {
            LogOff(logger);
            return;
        }

        var scheduler = await schedulerFactory.GetScheduler(cancellationToken).ConfigureAwait(false);
        var job = JobBuilder.Create<RetentionJob>().WithIdentity(RetentionJob.Key).DisallowConcurrentExecution(true).Build();
        var trigger = TriggerBuilder.Create(timeProvider)
            .WithIdentity(RetentionJob.Key.Name + "-cron", RetentionJob.Key.Group)
            .ForJob(RetentionJob.Key)
            .WithSchedule(CronScheduleBuilder.Create(retention.Cron).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .Build();
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken).ConfigureAwait(false);
        LogScheduled(logger, retention.Cron, retention.Batches, retention.Requests, retention.Audit);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(2211, LogLevel.Information, "Retention purge scheduled with cron '{Cron}': acknowledged batches after {Batches}, finished requests after {Requests}, audit rows after {Audit}")]
    private static partial void LogScheduled(ILogger logger, string cron, TimeSpan batches, TimeSpan requests, TimeSpan audit);

    [LoggerMessage(2212, LogLevel.Information, "Retention purge not scheduled (Exchange:Retention:Cron is empty); run 'exchange purge' to apply it")]
    private static partial void LogOff(ILogger logger);
}
