using Exchange.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Exchange.Host.Jobs;

/// <summary>
/// Puts one extraction job per dataset of <c>schedule.json</c> on the Quartz scheduler, triggered by the dataset's
/// cron, and keeps the jobs in step with the schedule when it is reloaded (no restart).
/// </summary>
internal sealed partial class DatasetScheduler(
    ISchedulerFactory schedulerFactory,
    IOptionsMonitor<ScheduleOptions> schedule,
    TimeProvider timeProvider,
    ILogger<DatasetScheduler> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly Dictionary<string, string> _scheduledCron = new(StringComparer.Ordinal);
    private IDisposable? _subscription;
    private IScheduler? _scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = await schedulerFactory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await ReadStoredJobsAsync(_scheduler, cancellationToken).ConfigureAwait(false);
        await ReconcileAsync(schedule.CurrentValue, cancellationToken).ConfigureAwait(false);
        _subscription = schedule.OnChange(OnScheduleChanged);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _reconciling.Dispose();
    }

    /// <summary>
    /// Takes the jobs already in the scheduler's store as scheduled: with clustered scheduling they were put there by
    /// this node's last run or by another node, so a node that starts changes only what its schedule changes, and
    /// removes the jobs of datasets its schedule no longer has.
    /// </summary>
    private async Task ReadStoredJobsAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(ExtractionJob.Group), cancellationToken).ConfigureAwait(false))
        {
            var trigger = await scheduler.GetTrigger(CronTriggerKey(key), cancellationToken).ConfigureAwait(false);
            _scheduledCron[key.Name] = (trigger as ICronTrigger)?.CronExpressionString ?? "";
        }
    }

    private static TriggerKey CronTriggerKey(JobKey job) => new(job.Name + "-cron", job.Group);

    private void OnScheduleChanged(ScheduleOptions current, string? name) => _ = ReconcileLoggedAsync(current);

    private async Task ReconcileLoggedAsync(ScheduleOptions current)
    {
        try
        {
            await ReconcileAsync(current, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SchedulerException error)
        {
            LogReconcileFailed(logger, error.Message);
        }
    }

    /// <summary>Adds, reschedules and removes jobs so that Quartz runs exactly the datasets of <paramref name="current"/>.</summary>
    private async Task ReconcileAsync(ScheduleOptions current, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler!;
        await _reconciling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wanted = current.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
            foreach (var name in _scheduledCron.Keys.Where(n => !wanted.ContainsKey(n)).ToList())
            {
                await scheduler.DeleteJob(ExtractionJob.KeyFor(name), cancellationToken).ConfigureAwait(false);
                _scheduledCron.Remove(name);
                LogUnscheduled(logger, name);
            }

            foreach (var dataset in current.Datasets)
            {
                if (_scheduledCron.TryGetValue(dataset.Name, out var cron) && cron == dataset.Cron)
                {
                    continue; // other settings are read by the job at its next run
                }

                await ScheduleAsync(scheduler, dataset, cancellationToken).ConfigureAwait(false);
                _scheduledCron[dataset.Name] = dataset.Cron;
            }
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private async Task ScheduleAsync(IScheduler scheduler, DatasetOptions dataset, CancellationToken cancellationToken)
    {
        var key = ExtractionJob.KeyFor(dataset.Name);
        var job = JobBuilder.Create<ExtractionJob>()
            .WithIdentity(key)
            .UsingJobData(ExtractionJob.DatasetKey, dataset.Name)
            .DisallowConcurrentExecution(true)
            .RequestRecovery(true) // a run cut short by its node's death is run again by another node
            .Build();

        // A missed fire (daemon stopped, machine asleep) is not caught up in a burst: the next cron time reads everything new anyway.
        var trigger = TriggerBuilder.Create(timeProvider)
            .WithIdentity(CronTriggerKey(key))
            .ForJob(key)
            .WithSchedule(CronScheduleBuilder.Create(dataset.Cron).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .Build();
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken).ConfigureAwait(false);
        LogScheduled(logger, dataset.Name, dataset.Cron);
    }

    [LoggerMessage(2101, LogLevel.Information, "Dataset {Dataset} scheduled with cron '{Cron}'")]
    private static partial void LogScheduled(ILogger logger, string dataset, string cron);

    [LoggerMessage(2102, LogLevel.Information, "Dataset {Dataset} unscheduled: it is no longer in schedule.json")]
    private static partial void LogUnscheduled(ILogger logger, string dataset);

    [LoggerMessage(2103, LogLevel.Error, "The reloaded schedule could not be applied to the scheduler: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string reason);
}
