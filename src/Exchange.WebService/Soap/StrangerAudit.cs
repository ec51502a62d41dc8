using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Soap;

/// <summary>
/// The audit of calls that never authenticated (no or wrong credentials, malformed envelopes, oversized bodies): one audit
/// record per remote address, outcome and minute, so that strangers cannot fill the disk with one row and one line per
/// call. The first call of a key is recorded at once, like any call (the endpoint waits for it); later calls of that key
/// in the same minute are only counted, and the record's count is brought up to date once the minute is over. At most
/// <see cref="RowsPerMinute"/> keys get a record per minute over all addresses; calls of further keys are counted in one
/// summary record of that minute (address <c>(others)</c>).
/// </summary>
/// <remarks>
/// Only the counts of the current minute are in memory: a killed process loses at most the count of one minute, never the
/// record that a stranger called. Authenticated calls are never aggregated and keep their own durable row each.
/// </remarks>
internal sealed partial class StrangerAudit : IAsyncDisposable
{
    /// <summary>The principal recorded for calls that did not authenticate.</summary>
    public const string Anonymous = "(anonymous)";

    /// <summary>The address of the summary record that counts the calls beyond <see cref="RowsPerMinute"/>.</summary>
    public const string Others = "(others)";

    private const string OthersOutcome = "(various)";

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(5);

    private readonly AuditTrail _trail;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private Dictionary<(string Address, string Outcome), Tally> _tallies = [];
    private DateTimeOffset _minute;
    private int _others;
    private string _othersOperation = "";
    private bool _disposed;
    private Task _writing = Task.CompletedTask;

    /// <summary>Counts into minutes of <paramref name="timeProvider"/>'s clock and writes closed minutes to <paramref name="trail"/>.</summary>
    public StrangerAudit(AuditTrail trail, TimeProvider timeProvider, ILoggerFactory loggerFactory, int rowsPerMinute)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerMinute, 1);
        _trail = trail;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<StrangerAudit>();
        RowsPerMinute = rowsPerMinute;
        _minute = MinuteOf(timeProvider.GetUtcNow());

        // Real time: a closed minute is written within a few seconds even when no further stranger calls.
        _timer = TimeProvider.System.CreateTimer(_ => FlushClosedMinute(), null, FlushEvery, FlushEvery);
    }

    /// <summary>Distinct address and outcome keys recorded per minute before the rest go to the summary record.</summary>
    public int RowsPerMinute { get; }

    /// <summary>
    /// Counts one unauthenticated or malformed call; returns the record to write now when it is the first call of its key
    /// (or the first one past <see cref="RowsPerMinute"/>) in this minute, otherwise null.
    /// </summary>
    public AuditEntry? Record(string remoteAddress, string operation, string outcome)
    {
        List<AuditEntry>? closed;
        AuditEntry? first = null;
        lock (_lock)
        {
            closed = RollIfNewMinute(_timeProvider.GetUtcNow());
            var key = (remoteAddress, outcome);
            if (_tallies.TryGetValue(key, out var tally))
            {
                tally.Calls++;
            }
            else if (_tallies.Count < RowsPerMinute)
            {
                _tallies[key] = new Tally(operation);
                first = new AuditEntry(_minute, Anonymous, operation, null, outcome, remoteAddress);
            }
            else if (++_others == 1)
            {
                _othersOperation = operation;
                first = new AuditEntry(_minute, Anonymous, operation, null, OthersOutcome, Others);
            }
        }

        Write(closed);
        return first;
    }

    /// <summary>Writes the counts of every minute, the current one included (on stop, and for tests).</summary>
    public async Task FlushAllAsync()
    {
        List<AuditEntry> entries;
        Task earlier;
        lock (_lock)
        {
            entries = Drain();
            earlier = _writing;
        }

        await WriteAllAsync(entries).ConfigureAwait(false);
        await earlier.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _timer.DisposeAsync().ConfigureAwait(false);
        await FlushAllAsync().ConfigureAwait(false);
    }

    private static DateTimeOffset MinuteOf(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % Minute.Ticks), TimeSpan.Zero);

    private void FlushClosedMinute()
    {
        List<AuditEntry>? closed;
        lock (_lock)
        {
            closed = RollIfNewMinute(_timeProvider.GetUtcNow());
        }

        Write(closed);
    }

    // Under _lock: hands back the finished minute's records when the clock has entered a new one.
    private List<AuditEntry>? RollIfNewMinute(DateTimeOffset now)
    {
        var minute = MinuteOf(now);
        if (minute == _minute)
        {
            return null;
        }

        var closed = Drain();
        _minute = minute;
        return closed;
    }

    // Under _lock.
    // The records whose count grew past the 1 they were written with.
    private List<AuditEntry> Drain()
    {
        var entries = new List<AuditEntry>();
        foreach (var ((address, outcome), tally) in _tallies)
        {
            if (tally.Calls > 1)
            {
                entries.Add(new AuditEntry(_minute, Anonymous, tally.Operation, null, outcome, address, tally.Calls));
            }
        }

        if (_others > 1)
        {
            entries.Add(new AuditEntry(_minute, Anonymous, _othersOperation, null, OthersOutcome, Others, _others));
        }

        _tallies = [];
        _others = 0;
        return entries;
    }

    private void Write(List<AuditEntry>? entries)
    {
        if (entries is { Count: > 0 })
        {
            var write = WriteAllAsync(entries);
            lock (_lock)
            {
                _writing = Task.WhenAll(_writing, write);
            }
        }
    }

    private async Task WriteAllAsync(List<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(entries.Select(e => _trail.WriteAggregatedAsync(e))).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogLost(_logger, ex, entries.Count, entries.Sum(e => e.Calls));
        }
    }

    [LoggerMessage(2010, LogLevel.Error, "The counts of {Records} aggregated audit record(s) ({Calls} unauthenticated calls) could not be written")]
    private static partial void LogLost(ILogger logger, Exception exception, int records, int calls);

    private sealed class Tally(string operation)
    {
        public string Operation { get; } = operation;

        public int Calls { get; set; } = 1;
    }
}
