using System.Collections.Concurrent;
using Exchange.Core.Audit;
using Exchange.Core.Staging;
using Exchange.WebService.Soap;
using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Tests.Soap;

/// <summary>The audit writer over a real SQLite staging store, with the groups it commits counted.</summary>
public sealed class AuditTrailTests : IDisposable
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _folder = new("exchange-audit-trail");
    private readonly TestStaging _sqlite;
    private readonly CountingStore _store;
    private readonly CapturingLoggerProvider _log = new();
    private readonly ILoggerFactory _loggerFactory;

    public AuditTrailTests()
    {
        _sqlite = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", TimeProvider.System);
        _sqlite.MigrateAsync(default).GetAwaiter().GetResult();
        _store = new CountingStore(_sqlite);
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(_log));
    }

    [Fact]
    public async Task ConcurrentCalls_ShareCommits_AndEachCompletesOnlyOnceItsRowAndLineAreWritten()
    {
        await using var trail = new AuditTrail(_store, _loggerFactory);
        const int calls = 400;
        var written = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, calls).Select(i => Task.Run(async () =>
        {
            await trail.WriteAsync(Entry($"ins-{i}"), "1.1");
            written.Add($"ins-{i}");

            // Completed means committed: the row is in the table and the line in the audit log now.
            Assert.Contains(_log.Lines, line => line.Contains($"principal=ins-{i} ", StringComparison.Ordinal));
        }))).WaitAsync(Hang);

        var stored = await _sqlite.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 10_000, default);
        Assert.Equal(written.Order(StringComparer.Ordinal), stored.Select(e => e.Principal).Order(StringComparer.Ordinal));
        Assert.Equal(calls, _store.Groups.Sum());
        Assert.True(_store.Groups.Count < calls / 4, $"{calls} concurrent calls took {_store.Groups.Count} commits; group sizes: {string.Join(", ", _store.Groups)}");
    }

    [Fact]
    public async Task LoneCallAfterABurst_IsCommittedWithoutWaitingForMore()
    {
        await using var trail = new AuditTrail(_store, _loggerFactory);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => trail.WriteAsync(Entry($"burst-{i}"), "1.1")))).WaitAsync(Hang);
        Assert.Contains(_store.Groups, size => size > 1);

        // The writer gathers after a group of more than one; with nobody else calling the gather must end by itself.
        await trail.WriteAsync(Entry("alone"), "1.2").WaitAsync(Hang);
        await trail.WriteAsync(Entry("alone-again"), "1.2").WaitAsync(Hang);

        var stored = await _sqlite.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 10_000, default);
        Assert.Contains(stored, e => e.Principal == "alone");
        Assert.Contains(stored, e => e.Principal == "alone-again");
    }

    [Fact]
    public async Task FailedCommit_FailsItsCaller_AndTheWriterGoesOn()
    {
        await using var trail = new AuditTrail(_store, _loggerFactory);
        _store.FailNext = new InvalidOperationException("disk full (test)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => trail.WriteAsync(Entry("refused"), "1.1").WaitAsync(Hang));
        Assert.Equal("disk full (test)", error.Message);

        // The file line was written before the commit failed, so the call is still on record there.
        Assert.Contains(_log.Lines, line => line.Contains("principal=refused ", StringComparison.Ordinal));
        await trail.WriteAsync(Entry("after"), "1.1").WaitAsync(Hang);
        var stored = await _sqlite.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 10, default);
        Assert.Equal(["after"], stored.Select(e => e.Principal));
    }

    [Fact]
    public async Task WhenTheStoreDoesNotKeepUp_CallsBeyondTheQueueAreRefused_AndTheQueuedOnesStillComplete()
    {
        await using var trail = new AuditTrail(_store, _loggerFactory, capacity: 2);
        _store.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The writer takes the first record and waits on the store; two more fill the queue.
        var first = trail.WriteAsync(Entry("first"), "1.1");
        await _store.Holding.Task.WaitAsync(Hang);
        var queued = new[] { trail.WriteAsync(Entry("queued-1"), "1.1"), trail.WriteAsync(Entry("queued-2"), "1.1") };
        IAuditBacklog backlog = trail;
        Assert.Equal((2, 2), (backlog.Waiting, backlog.Capacity)); // what /readyz reports as saturated
        var refused = trail.WriteAsync(Entry("refused"), "1.1");

        var error = await Assert.ThrowsAsync<AuditQueueFullException>(() => refused);
        Assert.Contains("cannot keep up", error.Message, StringComparison.Ordinal);
        _store.Hold.SetResult();
        await Task.WhenAll([first, .. queued]).WaitAsync(Hang);
        Assert.Equal(0, backlog.Waiting);
        var stored = await _sqlite.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 10, default);
        Assert.Equal(["first", "queued-1", "queued-2"], stored.Select(e => e.Principal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AfterDispose_ACall_IsRefused_NamingTheReason()
    {
        var trail = new AuditTrail(_store, _loggerFactory);
        await trail.WriteAsync(Entry("before"), "1.1").WaitAsync(Hang);
        await trail.DisposeAsync();

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => trail.WriteAsync(Entry("late"), "1.1"));
        Assert.Contains("not audited", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _loggerFactory.Dispose();
        _sqlite.Dispose();
        _folder.Dispose();
    }

    private static AuditEntry Entry(string principal) => new(DateTimeOffset.UtcNow, principal, "Poll", "BX01", "ok", "127.0.0.1");

    /// <summary>The real store, with the size of every audit group it was asked to commit (and one failure on request).</summary>
    private sealed class CountingStore(TestStaging inner) : IAuditStore
    {
        private readonly ConcurrentQueue<int> _groups = new();

        public IReadOnlyCollection<int> Groups => _groups;

        public Exception? FailNext { get; set; }

        /// <summary>When set, a commit waits for it (after signalling <see cref="Holding"/>): a store that does not keep up.</summary>
        public TaskCompletionSource? Hold { get; set; }

        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            if (Hold is { } hold)
            {
                Holding.TrySetResult();
                await hold.Task;
            }

            await WriteNowAsync(entries, cancellationToken);
        }

        public Task SetAuditCallsAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) => inner.Audit.SetAuditCallsAsync(entries, cancellationToken);

        private Task WriteNowAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            if (FailNext is { } failure)
            {
                FailNext = null;
                return Task.FromException(failure);
            }

            _groups.Enqueue(entries.Count);
            return inner.Audit.WriteAuditBatchAsync(entries, cancellationToken);
        }
    }
}
