using Exchange.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Configuration;

/// <summary>
/// Re-reads <c>schedule.json</c> when an operator saves it. The folder is watched, not the file, because editors
/// save by rename (vim, <c>sed -i</c>) and the watched file then no longer exists; change events are debounced and
/// the content hash compared, so the double events of one save apply once. A valid edit becomes current; an invalid
/// one is refused, naming field and value, and the last good schedule keeps running.
/// </summary>
internal sealed partial class ScheduleReloader(
    ConfigLocation location,
    ScheduleMonitor monitor,
    IValidateOptions<ScheduleOptions> validation,
    TimeProvider timeProvider,
    ILogger<ScheduleReloader> logger) : IHostedService, IDisposable
{
    /// <summary>Quiet time after the last change event before the file is read.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly Lock _sync = new();
    private FileSystemWatcher? _watcher;
    private ITimer? _timer;
    private string _lastSeenHash = "";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lastSeenHash = monitor.Hash;
        _timer = timeProvider.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(location.ConfigDirectory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.Deleted += OnEvent;
        _watcher.EnableRaisingEvents = true;
        LogWatching(logger, location.SchedulePath);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null)
        {
            _watcher.EnableRaisingEvents = false;
        }

        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _timer?.Dispose();
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        var name = Path.GetFileName(location.SchedulePath);
        if (string.Equals(e.Name, name, StringComparison.Ordinal) || (e is RenamedEventArgs r && string.Equals(r.OldName, name, StringComparison.Ordinal)))
        {
            _timer?.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Reads the file once the events have settled; serialised, so two reloads never interleave.</summary>
    internal void Reload()
    {
        lock (_sync)
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(location.SchedulePath);
            }
            catch (FileNotFoundException)
            {
                LogMissing(logger, location.SchedulePath);
                return;
            }
            catch (IOException error)
            {
                // Still being written: try again after another quiet period.
                LogUnreadable(logger, location.SchedulePath, error.Message);
                _timer?.Change(Debounce, Timeout.InfiniteTimeSpan);
                return;
            }

            if (content.Length == 0)
            {
                // A save in progress (truncated, not yet written) or a mistake: an empty schedule would stop every dataset.
                LogEmpty(logger, location.SchedulePath);
                return;
            }

            var hash = ScheduleFile.Hash(content);
            if (hash == _lastSeenHash)
            {
                return;
            }

            _lastSeenHash = hash;
            ScheduleOptions schedule;
            try
            {
                schedule = ScheduleFile.Parse(content);
            }
            catch (InvalidDataException error)
            {
                LogRefused(logger, $"schedule.json: (file): {error.Message}");
                LogKeptLastGood(logger);
                return;
            }

            var result = validation.Validate(Options.DefaultName, schedule);
            if (result.Failed)
            {
                foreach (var failure in result.Failures)
                {
                    LogRefused(logger, failure);
                }

                LogKeptLastGood(logger);
                return;
            }

            var changes = ScheduleDiff.Describe(monitor.CurrentValue, schedule);
            monitor.Apply(schedule, hash);
            LogApplied(logger, changes.Count);
            foreach (var change in changes)
            {
                LogChange(logger, change);
            }
        }
    }

    [LoggerMessage(2201, LogLevel.Information, "Watching {Path} for edits")]
    private static partial void LogWatching(ILogger logger, string path);

    [LoggerMessage(2202, LogLevel.Error, "Schedule edit refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string problem);

    [LoggerMessage(2203, LogLevel.Warning, "The last good schedule keeps running; fix schedule.json and save it again.")]
    private static partial void LogKeptLastGood(ILogger logger);

    [LoggerMessage(2204, LogLevel.Information, "Schedule reloaded without restart: {Count} change(s)")]
    private static partial void LogApplied(ILogger logger, int count);

    [LoggerMessage(2205, LogLevel.Information, "Schedule change: {Change}")]
    private static partial void LogChange(ILogger logger, string change);

    [LoggerMessage(2206, LogLevel.Warning, "{Path} is missing; the last good schedule keeps running until it is saved again.")]
    private static partial void LogMissing(ILogger logger, string path);

    [LoggerMessage(2208, LogLevel.Warning, "{Path} is empty; the last good schedule keeps running (write {{}} for a schedule without datasets).")]
    private static partial void LogEmpty(ILogger logger, string path);

    [LoggerMessage(2207, LogLevel.Debug, "{Path} could not be read yet ({Reason}); retrying")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
