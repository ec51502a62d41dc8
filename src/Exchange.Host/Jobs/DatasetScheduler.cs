using Exchange.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>Puts one extraction job per dataset of <c>schedule.json</c> on the Quartz scheduler, triggered by the dataset's cron.</summary>
internal sealed partial class DatasetScheduler(
    ISchedulerFactory schedulerFactory,
    IOptionsMonitor<ScheduleOptions> schedule,
    TimeProvider timeProvider,
    ILogger<DatasetScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken).ConfigureAwait(false);
        foreach (var dataset in schedule.CurrentValue.Datasets)
        {
            await ScheduleAsync(scheduler, dataset, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ScheduleAsync(IScheduler scheduler, DatasetOptions dataset, CancellationToken cancellationToken)
    {
        var key = ExtractionJob.KeyFor(dataset.Name);
        var job = JobBuilder.Create<ExtractionJob>()
            .WithIdentity(key)
            .UsingJobData(ExtractionJob.DatasetKey, dataset.Name)
            .DisallowConcurrentExecution(true)
            .Build();

        // A missed fire (daemon stopped, machine asleep) is not caught up in a burst: the next cron time reads everything new anyway.
        var trigger = TriggerBuilder.Create(timeProvider)
            .WithIdentity(key.Name + "-cron", key.Group)
            .ForJob(key)
            .WithSchedule(CronScheduleBuilder.Create(dataset.Cron).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .Build();
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken).ConfigureAwait(false);
        LogScheduled(logger, dataset.Name, dataset.Cron);
    }

    [LoggerMessage(2101, LogLevel.Information, "Dataset {Dataset} scheduled with cron '{Cron}'")]
    private static partial void LogScheduled(ILogger logger, string dataset, string cron);
}
