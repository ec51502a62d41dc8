using System.Diagnostics;
using System.Threading.Channels;
using Exchange.Core.Audit;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Soap;

/// <summary>
/// Writes the audit trail of calls: a line in the audit log file and a row in the audit table, with group commit. Records
/// that arrive while a commit is running are written together in the next one, so concurrent calls share one durable
/// commit (one fsync) instead of queueing for one each. Every caller still waits until its own line is written and its
/// record committed, so no call is answered unaudited.
/// </summary>
/// <remarks>
/// The file lines are written here, by the one writer, rather than by each request: the file target takes a lock per line,
/// and dozens of requests contending for it cost more than the writes themselves.
/// </remarks>
internal sealed class AuditTrail : IAuditBacklog, IAsyncDisposable
{
    /// <summary>Records that may wait for the writer before calls are refused (<see cref="AuditQueueFullException"/>).</summary>
    public const int DefaultCapacity = 8192;

    private const int MaxGroup = 512;

    // Under load (the last group held more than one record) the writer gathers more records before committing: the fsync,
    // not the rows, is most of a commit's cost. It yields to the thread pool and takes what the requests that ran
    // meanwhile have queued, until two passes in a row bring nothing or GatherLimit has passed. That waits as long as
    // requests are still on their way to the audit and no longer. Yielding rather than a timer: under load a 1 ms timer
    // fires late (the timer queue and a busy thread pool wait their turn) and leaves the CPU idle meanwhile; the
    // Stopwatch bounds the wait instead. A lone call never waits.
    private const int QuietPasses = 2;
    private static readonly long GatherLimit = Stopwatch.Frequency / 1000;

    private readonly Channel<Pending> _queue;
    private readonly IAuditStore _store;
    private readonly ILogger _file;
    private readonly Task _writer;
    private volatile bool _stopping;

    /// <summary>Starts the writer over <paramref name="store"/>, committing the records of concurrent calls together.</summary>
    public AuditTrail(IAuditStore store, ILoggerFactory loggerFactory)
        : this(store, loggerFactory, DefaultCapacity)
    {
    }

    /// <summary>Starts the writer with room for <paramref name="capacity"/> waiting records: when the store cannot keep up, calls are refused instead of queued without bound.</summary>
    public AuditTrail(IAuditStore store, ILoggerFactory loggerFactory, int capacity)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Capacity = capacity;
        _store = store;
        _file = loggerFactory.CreateLogger(AuditLog.LoggerName);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <inheritdoc />
    public int Waiting => _queue.Reader.Count;

    /// <inheritdoc />
    public int Capacity { get; }

    /// <summary>
    /// Completes when <paramref name="entry"/> (its object already masked) is in the audit file and committed to the audit
    /// table; fails with the store's error when it could not be committed. <paramref name="soap"/> names the SOAP version.
    /// </summary>
    /// <exception cref="AuditQueueFullException">As many records as the queue holds are waiting for the store.</exception>
    public Task WriteAsync(AuditEntry entry, string soap)
    {
        var pending = new Pending(entry, soap, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_queue.Writer.TryWrite(pending))
        {
            return pending.Done.Task;
        }

        return Task.FromException(_queue.Reader.Completion.IsCompleted || _stopping
            ? new ObjectDisposedException(nameof(AuditTrail), "The service is stopping; the call was not audited.")
            : new AuditQueueFullException());
    }

    /// <summary>
    /// Writes the audit file line of a call whose record the store already committed together with the call's effect
    /// (state-changing calls: see <see cref="Core.Audit.AuditRecord"/>).
    /// </summary>
    public void WriteFileLine(AuditEntry entry, string soap)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AuditLog.Call(_file, entry.Operation, entry.Principal, entry.ObjectId ?? "-", entry.Outcome, entry.RemoteAddress ?? "(unknown)", soap);
    }

    /// <summary>
    /// Brings an aggregated record of unauthenticated calls to its final count (writing it when it is missing), waiting for
    /// room in the queue rather than failing.
    /// </summary>
    public async Task WriteAggregatedAsync(AuditEntry entry)
    {
        var pending = new Pending(entry, "-", new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Count: true);
        await _queue.Writer.WriteAsync(pending).ConfigureAwait(false);
        await pending.Done.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Pending>(MaxGroup);
        var entries = new List<AuditEntry>(MaxGroup);
        var counts = new List<AuditEntry>();
        var lastGroup = 0;
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            entries.Clear();
            counts.Clear();
            Take(group, entries);
            if (lastGroup > 1)
            {
                await GatherAsync(group, entries).ConfigureAwait(false);
            }

            // Count updates of aggregated records go their own way; new records keep the group commit.
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                if (group[i].Count)
                {
                    counts.Add(entries[i]);
                    entries.RemoveAt(i);
                }
            }

            lastGroup = group.Count;

            try
            {
                // The file line first: a call whose row cannot be committed is still on record in the file.
                foreach (var pending in group)
                {
                    var e = pending.Entry;
                    if (!pending.Count)
                    {
                        AuditLog.Call(_file, e.Operation, e.Principal, e.ObjectId ?? "-", e.Outcome, e.RemoteAddress ?? "(unknown)", pending.Soap);
                    }
                    else
                    {
                        AuditLog.Calls(_file, e.At, e.Operation, e.Principal, e.Outcome, e.RemoteAddress ?? "(unknown)", e.Calls);
                    }
                }

                await _store.WriteAuditBatchAsync(entries, CancellationToken.None).ConfigureAwait(false);
                await _store.SetAuditCallsAsync(counts, CancellationToken.None).ConfigureAwait(false);

                group.ForEach(p => p.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                // Every caller of the group learns that its record was not written (the endpoint then answers Unavailable).
                group.ForEach(p => p.Done.TrySetException(ex));
            }
        }
    }

    private async Task GatherAsync(List<Pending> group, List<AuditEntry> entries)
    {
        // Real time, not the injected clock: this is scheduling, and a test's fake clock would never let it end.
        var until = Stopwatch.GetTimestamp() + GatherLimit;
        var quiet = 0;
        while (group.Count < MaxGroup && quiet < QuietPasses && Stopwatch.GetTimestamp() < until)
        {
            await Task.Yield();
            var before = group.Count;
            Take(group, entries);
            quiet = group.Count == before ? quiet + 1 : 0;
        }
    }

    private void Take(List<Pending> group, List<AuditEntry> entries)
    {
        while (group.Count < MaxGroup && _queue.Reader.TryRead(out var pending))
        {
            group.Add(pending);
            entries.Add(pending.Entry);
        }
    }

    // Count: the entry sets the count of an aggregated record instead of adding a record.
    private sealed record Pending(AuditEntry Entry, string Soap, TaskCompletionSource Done, bool Count = false);
}

/// <summary>The audit queue is full: the store does not keep up, and the call is refused rather than queued without bound.</summary>
internal sealed class AuditQueueFullException()
    : Exception("The audit trail cannot keep up with the calls; the call was not run. Try again in a second.");
