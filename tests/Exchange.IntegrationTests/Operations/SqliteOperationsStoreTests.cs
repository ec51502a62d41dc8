using System.Diagnostics;
using System.Globalization;
using Exchange.Core.Operations;
using Exchange.Core.Staging;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Exchange.IntegrationTests.Operations;

public sealed class SqliteOperationsStoreTests(ITestOutputHelper output) : OperationsStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-ops");

    protected override string DialectFolder => "sqlite";

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Sqlite($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task ExecuteAsync(TestStaging store, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={((TestStaging)store).FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override string TimestampLiteral(DateTimeOffset at) =>
        "'" + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'";

    [Fact]
    public async Task Backup_WritesAnIntegralCopy_WhileAWriterKeepsAppending()
    {
        var store = (TestStaging)await CreateStoreAsync();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            string? watermark = null;
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var next = $"w{i}";
                await store.Batches.AppendBatchAsync(new NewBatch("AC01", 1, "jsonl+gzip", new byte[4096], new string('a', 64), watermark, next, BatchOrigin.Extracted), default);
                watermark = next;
            }
        });
        await Task.Delay(300);
        var target = _folder.File("backup.db");

        await store.Operations.BackupAsync(target, default);
        await stop.CancelAsync();
        await writer;

        await using var copy = new SqliteConnection($"Data Source={target};Mode=ReadOnly;Pooling=false");
        await copy.OpenAsync();
        await using var check = copy.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        check.CommandText = "SELECT (SELECT COUNT(*) FROM batches) = (SELECT last_seq FROM watermarks WHERE dataset = 'AC01')";
        Assert.Equal(1L, (long)(await check.ExecuteScalarAsync())!);
        Assert.False(File.Exists(target + ".partial"));
    }

    [Fact]
    public async Task Purge_Of200000AuditRows_KeepsConcurrentAuditWritesWaitingOnlyBriefly()
    {
        const int Rows = 200_000;
        var store = (TestStaging)await CreateStoreAsync();
        var old = TimestampLiteral(Clock.GetUtcNow())[1..^1];
        await using (var seed = new SqliteConnection($"Data Source={store.FilePath}"))
        {
            await seed.OpenAsync();
            await using var transaction = (SqliteTransaction)await seed.BeginTransactionAsync();
            await using var insert = seed.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO audit_log (at, principal, operation, object_id, outcome, remote_address) VALUES ($at, 'ins-a', 'Poll', 'AC01', $outcome, '127.0.0.1')";
            insert.Parameters.AddWithValue("$at", old);
            var outcome = insert.Parameters.Add("$outcome", SqliteType.Text);
            for (var i = 0; i < Rows; i++)
            {
                outcome.Value = i % 50 == 0 ? "AuthFailed" : "ok";
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        Clock.Advance(TimeSpan.FromDays(200));
        var now = Clock.GetUtcNow();
        using var stop = new CancellationTokenSource();
        var writes = new System.Collections.Concurrent.ConcurrentBag<(long Started, long Ended)>();

        // Audited SOAP calls write their audit groups through WriteAuditBatchAsync: three callers keep writing.
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await store.Audit.WriteAuditBatchAsync([new AuditEntry(now, $"ins-{w}", "Poll", "AC01", "ok", "127.0.0.1")], default);
                writes.Add((started, Stopwatch.GetTimestamp()));
                await Task.Delay(5);
            }
        })).ToList();
        await Task.Delay(200);
        var purgeStarted = Stopwatch.GetTimestamp();
        var result = await store.Operations.PurgeAsync(new RetentionPolicy(now, now, now.AddDays(-1), now, new Dictionary<string, IReadOnlyList<string>>()), default);
        var purgeEnded = Stopwatch.GetTimestamp();
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var waits = writes.Select(w => Stopwatch.GetElapsedTime(w.Started, w.Ended)).Order().ToList();
        var max = waits[^1];
        var doneWhilePurging = writes.Count(w => w.Started >= purgeStarted && w.Ended <= purgeEnded);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"purge of {result.AuditRows} audit rows took {Stopwatch.GetElapsedTime(purgeStarted, purgeEnded).TotalMilliseconds:0} ms; " +
            $"{waits.Count} audit writes beside it ({doneWhilePurging} done while it ran): max {max.TotalMilliseconds:0.0} ms, " +
            $"p99 {waits[(int)(waits.Count * 0.99)].TotalMilliseconds:0.0} ms, median {waits[waits.Count / 2].TotalMilliseconds:0.0} ms"));
        Assert.Equal(Rows, result.AuditRows);

        // One transaction for the whole purge let no write through until it was over; chunks let them in between.
        Assert.True(doneWhilePurging >= 100, $"only {doneWhilePurging} audit writes got through while the purge ran");
        // Relative to the purge, not a fixed time: on a loaded machine both stretch, but a single transaction would hold
        // a write for about the whole purge, chunks for about one chunk.
        var purge = Stopwatch.GetElapsedTime(purgeStarted, purgeEnded);
        Assert.True(max < purge / 4, $"the longest audit write beside the purge waited {max.TotalMilliseconds:0} ms of the purge's {purge.TotalMilliseconds:0} ms; a quarter of it is the bound");
    }

    public void Dispose() => _folder.Dispose();
}
