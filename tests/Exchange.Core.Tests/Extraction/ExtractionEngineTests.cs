using System.Text.Json;
using Dapper;
using Exchange.Core.Configuration;
using Exchange.Core.Demo;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Extraction;

/// <summary>The engine against a real SQLite source file and the real SQLite staging store.</summary>
public sealed class ExtractionEngineTests : IDisposable
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
    private readonly TestStaging _store;
    private readonly ExchangeOptions _options;

    public ExtractionEngineTests()
    {
        _store = TestStaging.Sqlite(StagingConnectionString, _clock);
        _options = new ExchangeOptions { DataDirectory = _folder.Path };
        _options.Sources["src"] = new SourceOptions { Provider = "sqlite", ConnectionString = "Data Source={data}/source.db", TimeZoneOffset = Beijing };
    }

    private string SourceConnectionString => $"Data Source={_folder.File("source.db")}";

    private string StagingConnectionString => $"Data Source={_folder.File("staging.db")}";

    [Fact]
    public async Task Run_StoresEveryRowExactlyOnce_WhenRowsSharingATimestampSpanAChunkBoundary()
    {
        await CreateTableAsync();
        var shared = Stamp(TimeSpan.FromMinutes(-10));
        await InsertAsync(Enumerable.Range(1, 7).Select(id => (id, shared)));
        await InsertAsync([(8, Stamp(TimeSpan.FromMinutes(-9))), (9, Stamp(TimeSpan.FromMinutes(-9)))]);

        var result = await Engine().RunAsync(Dataset(chunkRows: 3), default);

        Assert.Equal(new ExtractionResult("T", 3, 9, ExtractionStopReason.CaughtUp, "caught up", result.Watermark), result);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), await StagedKeysAsync("T"));
        var again = await Engine().RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(0, again.Chunks);
        Assert.Equal(9, (await StagedKeysAsync("T")).Count);
    }

    [Fact]
    public async Task Run_StoresBatchesWhosePayloadMatchesRowCountAndSha()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 5).Select(id => (id, Stamp(TimeSpan.FromMinutes(-id)))));
        await Engine().RunAsync(Dataset(chunkRows: 2), default);

        var headers = await _store.GetBatchHeadersAfterAsync("T", 0, 100, default);
        Assert.Equal([2, 2, 1], headers.Select(h => h.RowCount));
        foreach (var header in headers)
        {
            var batch = await _store.Batches.GetBatchAsync(header.BatchId, default);
            var text = JsonLinesPayloadWriterTests.Gunzip(batch!.Payload);
            Assert.Equal(header.RowCount, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))), header.Sha256);
            Assert.Equal("jsonl+gzip", header.Format);
            Assert.Contains("\"NAME\":\"张三", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_ExtractsAnUpdatedRowAgainInALaterBatch()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 4).Select(id => (id, Stamp(TimeSpan.FromMinutes(-10)))));
        await Engine().RunAsync(Dataset(chunkRows: 10), default);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await ExecuteSourceAsync("UPDATE T SET NAME = '李四', AAE036 = @ts WHERE ID = 2", new { ts = Stamp(TimeSpan.FromSeconds(-30)) });
        var result = await Engine().RunAsync(Dataset(chunkRows: 10), default);

        Assert.Equal(1, result.Rows);
        var batches = await StagedRowsAsync("T");
        Assert.Equal(2, batches.Count);
        var updated = Assert.Single(batches[1]);
        Assert.Equal(2, updated.GetProperty("ID").GetInt64());
        Assert.Equal("李四", updated.GetProperty("NAME").GetString());
    }

    [Fact]
    public async Task Run_LeavesRowsYoungerThanTheSafetyLagForALaterRun()
    {
        await CreateTableAsync();
        await InsertAsync([(1, Stamp(TimeSpan.FromMinutes(-1))), (2, Stamp(TimeSpan.FromSeconds(-2))), (3, Stamp(TimeSpan.Zero))]);

        var first = await Engine().RunAsync(Dataset(chunkRows: 10, safetyLag: TimeSpan.FromSeconds(5)), default);
        Assert.Equal(1, first.Rows);

        _clock.Advance(TimeSpan.FromSeconds(6));
        var second = await Engine().RunAsync(Dataset(chunkRows: 10, safetyLag: TimeSpan.FromSeconds(5)), default);
        Assert.Equal(2, second.Rows);
        Assert.Equal([1L, 2L, 3L], await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_StopsOnAWatermarkConflict_AndAnotherWritersBatchesKeepEveryRowExactlyOnce()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));

        // Before the second chunk is read, and once the first is committed, a second extractor of the same dataset runs
        // to the end; then another process holds the staging file's write lock until the third gate check, so the
        // second chunk's store is still waiting when the third chunk is read.
        SqliteConnection? writeLock = null;
        var gate = new CallbackGate(async call =>
        {
            if (call == 2)
            {
                await UntilStoredAsync("T", batches: 1);
                await Engine().RunAsync(Dataset(chunkRows: 4), default);
                writeLock = await HoldStagingWriteLockAsync();
            }
            else if (call == 3)
            {
                await writeLock!.DisposeAsync();
            }
        });
        var result = await Engine(gate).RunAsync(Dataset(chunkRows: 3), default);

        Assert.Equal(3, gate.Calls);
        Assert.Equal(ExtractionStopReason.WatermarkConflict, result.StopReason);
        Assert.Contains("moved", result.Detail, StringComparison.Ordinal);
        var batches = await StagedBatchesAsync("T");
        Assert.Equal((1, 3L, batches[0].WatermarkTo), (result.Chunks, result.Rows, result.Watermark));
        Assert.Equal([3, 4, 3], batches.Select(b => b.RowCount));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_RacingAnotherWriter_ReportsExactlyTheBatchesItStored_AndEveryRowIsStagedOnce()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));

        // The second extractor starts while the first chunk's store may still be in flight: whichever commits first
        // wins; the loser stops at its next store. What must hold for every interleaving is checked below.
        var gate = new CallbackGate(async call =>
        {
            if (call == 2)
            {
                await Engine().RunAsync(Dataset(chunkRows: 4), default);
            }
        });
        var result = await Engine(gate).RunAsync(Dataset(chunkRows: 3), default);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
        var batches = await StagedBatchesAsync("T");
        Assert.Null(batches[0].WatermarkFrom);
        for (var i = 1; i < batches.Count; i++)
        {
            Assert.Equal(batches[i - 1].WatermarkTo, batches[i].WatermarkFrom);
        }

        // This run's batches are the start of the chain, up to the watermark it reports.
        var own = result.Watermark is null ? 0 : batches.FindIndex(b => b.WatermarkTo == result.Watermark) + 1;
        Assert.True(result.Watermark is null || own > 0, $"the reported watermark {result.Watermark} is not the end of any staged batch");
        Assert.Equal((own, batches.Take(own).Sum(b => (long)b.RowCount)), (result.Chunks, result.Rows));
        if (result.StopReason == ExtractionStopReason.WatermarkConflict)
        {
            Assert.Contains("moved", result.Detail, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal((ExtractionStopReason.CaughtUp, 10L), (result.StopReason, result.Rows));
        }
    }

    [Fact]
    public async Task Run_WhenAStoreFailsForGood_ThrowsItsError_AndDoesNotStoreTheChunkReadMeanwhile_ThenRestsWithoutReadingTheSource()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));
        await ExecuteStagingAsync("CREATE TRIGGER refuse_second BEFORE INSERT ON batches WHEN NEW.seq = 2 BEGIN SELECT RAISE(ABORT, 'batch 2 refused by the test'); END");

        // The second chunk's store waits for the staging file's write lock until the third gate check, so the third
        // chunk is read while it is pending; then the store fails.
        SqliteConnection? writeLock = null;
        var gate = new CallbackGate(async call =>
        {
            if (call == 2)
            {
                await UntilStoredAsync("T", batches: 1);
                writeLock = await HoldStagingWriteLockAsync();
            }
            else if (call == 3)
            {
                await writeLock!.DisposeAsync();
            }
        });
        var storeRetry = new ChunkStoreRetry(_clock, NullLogger<ChunkStoreRetry>.Instance, new StoreRetrySettings(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)));
        var error = await Assert.ThrowsAsync<SqliteException>(() => Engine(gate, storeRetry).RunAsync(Dataset(chunkRows: 3), default));

        Assert.Contains("batch 2 refused by the test", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, gate.Calls);
        var stored = Assert.Single(await StagedBatchesAsync("T"));
        Assert.Equal(stored.WatermarkTo, (await _store.Batches.GetDatasetStateAsync("T", default)).Watermark);
        Assert.Equal([1L, 2, 3], await StagedKeysAsync("T"));

        await ExecuteStagingAsync("DROP TRIGGER refuse_second");
        var reads = new CallbackGate(_ => Task.CompletedTask);
        var resting = await Engine(reads, storeRetry).RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal((ExtractionStopReason.StoreFailing, 0L, stored.WatermarkTo), (resting.StopReason, resting.Rows, resting.Watermark));
        Assert.Contains("batch 2 refused by the test", resting.Detail, StringComparison.Ordinal);
        Assert.Equal(0, reads.Calls);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var resumed = await Engine(reads, storeRetry).RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal((ExtractionStopReason.CaughtUp, 3, 7L), (resumed.StopReason, resumed.Chunks, resumed.Rows));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_RetriesAFailedStore_AndReadsEveryChunkFromTheSourceOnce()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));
        await ExecuteStagingAsync("CREATE TRIGGER refuse_second BEFORE INSERT ON batches WHEN NEW.seq = 2 BEGIN SELECT RAISE(ABORT, 'batch 2 refused by the test'); END");
        var retryTime = new FakeTimeProvider(_clock.GetUtcNow());
        var logs = new CapturingLoggerProvider();
        var reads = new CallbackGate(_ => Task.CompletedTask);

        var running = Engine(reads, new ChunkStoreRetry(retryTime, logs.CreateLogger<ChunkStoreRetry>())).RunAsync(Dataset(chunkRows: 3), default);
        for (var attempt = 0; !logs.Lines.Any(line => line.Contains("retry 1 of 6 in 1 s", StringComparison.Ordinal)); attempt++)
        {
            Assert.True(attempt < 3000, "the failed store was not retried within 30 s");
            await Task.Delay(10);
        }

        await ExecuteStagingAsync("DROP TRIGGER refuse_second");
        retryTime.Advance(TimeSpan.FromSeconds(1));
        var result = await running;

        Assert.Equal((ExtractionStopReason.CaughtUp, 4, 10L), (result.StopReason, result.Chunks, result.Rows));
        Assert.Equal(4, reads.Calls);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_WhenCancelledWhileAStoreMayBeInFlight_Throws_AndLeavesOnlyWholeBatches()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));
        using var cancel = new CancellationTokenSource();
        var gate = new CallbackGate(async call =>
        {
            if (call == 2)
            {
                await cancel.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine(gate).RunAsync(Dataset(chunkRows: 3), cancel.Token));

        // The first chunk's store was either committed before the cancellation reached it or rolled back: never half.
        var batches = await StagedBatchesAsync("T");
        Assert.True(batches.Count <= 1, $"only the first chunk can have been stored, but {batches.Count} batches were");
        IEnumerable<long> keys = batches.Count == 0 ? [] : [1L, 2, 3];
        Assert.Equal(keys, await StagedKeysAsync("T"));
        Assert.Equal(batches.Count == 0 ? null : batches[0].WatermarkTo, (await _store.Batches.GetDatasetStateAsync("T", default)).Watermark);
        await Engine().RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_StopsWhenTheGateCloses_AndTheNextRunContinuesWhereItStopped()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 10).Select(id => (id, Stamp(TimeSpan.FromMinutes(-20 + id)))));
        var gate = new CallbackGate(_ => Task.CompletedTask, closeFromCall: 3);

        var result = await Engine(gate).RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(ExtractionStopReason.GateClosed, result.StopReason);
        Assert.Equal(2, result.Chunks);
        Assert.Equal("source busy (test)", result.Detail);

        await Engine().RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_WhenCancelled_Throws_AndStoresNothing()
    {
        await CreateTableAsync();
        await InsertAsync([(1, Stamp(TimeSpan.FromMinutes(-1)))]);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine().RunAsync(Dataset(chunkRows: 3), cancelled.Token));
        Assert.Empty(await StagedKeysAsync("T"));
    }

    [Fact]
    public async Task Run_ExtractsTheWholeDemoSource_WithInsertsAndUpdatesBetweenRuns()
    {
        await _store.MigrateAsync(default);
        var demo = new DemoOptions { SeedPersons = 30, RowsPerInsert = 5 };
        var source = new SourceOptions { Provider = "sqlite", ConnectionString = SourceConnectionString, TimeZoneOffset = Beijing };
        await new DemoSource(source, demo, _clock, NullLogger<DemoSource>.Instance).EnsureCreatedAsync(default);
        var inserter = new DemoInserter(source, demo, _clock, NullLogger<DemoInserter>.Instance);
        var datasets = new[]
        {
            Dataset(chunkRows: 16, table: "AC01", key: "AAC001"),
            Dataset(chunkRows: 16, table: "AC43", key: "AAZ223"),
            Dataset(chunkRows: 16, table: "KC24", key: "AKC190"),
        };

        var updates = 0;
        for (var round = 0; round < 6; round++)
        {
            updates += (await inserter.InsertRoundAsync(default)).PersonsUpdated;
            _clock.Advance(TimeSpan.FromSeconds(10));
            foreach (var dataset in datasets)
            {
                Assert.Equal(ExtractionStopReason.CaughtUp, (await Engine().RunAsync(dataset, default)).StopReason);
            }
        }

        Assert.Equal(30 + 30 + updates, (await StagedRowsAsync("AC01")).Sum(b => b.Count));
        Assert.Equal(90 + 30, (await StagedRowsAsync("AC43")).Sum(b => b.Count));
        var visits = (await StagedRowsAsync("KC24")).SelectMany(b => b).Select(r => r.GetProperty("AKC190").GetString()).ToList();
        Assert.Equal(30 + 30, visits.Distinct().Count());
        Assert.Equal(visits.Count, visits.Distinct().Count());
    }

    [Fact]
    public async Task Run_RefusesACustomQueryWithoutTheKeysetPlaceholder_BeforeReadingTheSource()
    {
        var dataset = Dataset(chunkRows: 3);
        dataset.Table = null;
        dataset.Query = "SELECT 1";
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Engine().RunAsync(dataset, default));
        Assert.Contains("{keyset}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ReadsACustomQuery_WithTheKeysetConditionInItsPlaceholder_ExactlyOnce()
    {
        await CreateTableAsync();
        await ExecuteSourceAsync("CREATE TABLE NAMES (ID INTEGER PRIMARY KEY, LABEL TEXT NOT NULL)");
        await InsertAsync(Enumerable.Range(1, 8).Select(id => (id, Stamp(TimeSpan.FromMinutes(-10 + (id / 3))))));
        await ExecuteSourceAsync("INSERT INTO NAMES SELECT ID, 'label ' || ID FROM T");
        var dataset = Dataset(chunkRows: 3);
        dataset.Table = null;
        dataset.Query = "SELECT t.ID, t.AAE036, n.LABEL FROM T t JOIN NAMES n ON n.ID = t.ID WHERE t.ID <> 5 AND {keyset}";
        dataset.TimestampColumn = "t.AAE036";
        dataset.KeyColumn = "t.ID";

        var first = await Engine().RunAsync(dataset, default);
        await InsertAsync([(9, Stamp(TimeSpan.FromMinutes(-1)))]);
        await ExecuteSourceAsync("INSERT INTO NAMES VALUES (9, 'label 9')");
        var second = await Engine().RunAsync(dataset, default);

        Assert.Equal((7, 1), (first.Rows, second.Rows));
        Assert.Equal([1L, 2, 3, 4, 6, 7, 8, 9], await StagedKeysAsync("T"));
        Assert.Equal("label 9", (await StagedRowsAsync("T")).SelectMany(b => b).Last().GetProperty("LABEL").GetString());
    }

    [Fact]
    public async Task Run_GrowsTheChunkTowardsTheTargetTime_WhenChunksAreFast()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 100).Select(id => (id, Stamp(TimeSpan.FromMinutes(-10)))));
        var dataset = Dataset(chunkRows: 10);
        dataset.TargetChunkTime = TimeSpan.FromMinutes(1);
        await Engine().RunAsync(dataset, default);

        var headers = await _store.GetBatchHeadersAfterAsync("T", 0, 100, default);
        Assert.Equal([10, 20, 40, 30], headers.Select(h => h.RowCount));
    }

    [Fact]
    public async Task Run_AbandonsTheChunkInFlight_WhenTheGateHibernates_AndTheNextRunReadsItAgain()
    {
        await CreateTableAsync();
        await InsertAsync(Enumerable.Range(1, 9).Select(id => (id, Stamp(TimeSpan.FromMinutes(-10)))));
        var gate = new HibernatingGate(hibernateOnCheck: 2);

        var stopped = await Engine(gate).RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(ExtractionStopReason.GateClosed, stopped.StopReason);

        // The first chunk was read in full before the hibernation: it is stored, only the second is dropped.
        Assert.Equal((1, 3L), (stopped.Chunks, stopped.Rows));
        Assert.Contains("hibernating", stopped.Detail, StringComparison.Ordinal);

        var resumed = await Engine().RunAsync(Dataset(chunkRows: 3), default);
        Assert.Equal(6, resumed.Rows);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), await StagedKeysAsync("T"));
    }

    public void Dispose() => _folder.Dispose();

    private ExtractionEngine Engine(ILoadGate? gate = null, ChunkStoreRetry? storeRetry = null) => new(
        _store.Batches,
        gate ?? new AlwaysOpenLoadGate(),
        new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(_options)),
        storeRetry ?? new ChunkStoreRetry(_clock, NullLogger<ChunkStoreRetry>.Instance),
        _clock,
        NullLogger<ExtractionEngine>.Instance);

    private static DatasetOptions Dataset(int chunkRows, TimeSpan? safetyLag = null, string table = "T", string key = "ID") => new()
    {
        Name = table,
        Source = "src",
        Table = table,
        TimestampColumn = "AAE036",
        KeyColumn = key,
        ChunkRows = chunkRows,
        TargetChunkTime = TimeSpan.Zero, // fixed chunk size: these tests count chunks
        SafetyLag = safetyLag ?? TimeSpan.FromSeconds(5),
    };

    private string Stamp(TimeSpan fromNow) => SourceTimestamps.FormatText(_clock.GetUtcNow() + fromNow, Beijing);

    private async Task CreateTableAsync()
    {
        await _store.MigrateAsync(default);
        await ExecuteSourceAsync("CREATE TABLE T (ID INTEGER PRIMARY KEY, NAME TEXT NOT NULL, AMOUNT NUMERIC(12,2), AAE036 TEXT NOT NULL); CREATE INDEX IX_T ON T (AAE036, ID);");
    }

    private Task InsertAsync(IEnumerable<(int Id, string Stamp)> rows) =>
        ExecuteSourceAsync(
            "INSERT INTO T (ID, NAME, AMOUNT, AAE036) VALUES (@Id, '张三' || @Id, 1234.5, @Stamp)",
            rows.Select(r => new { r.Id, r.Stamp }).ToList());

    private async Task ExecuteSourceAsync(string sql, object? parameters = null)
    {
        await using var connection = new SqliteConnection(SourceConnectionString);
        await connection.ExecuteAsync(sql, parameters);
    }

    private async Task<List<List<JsonElement>>> StagedRowsAsync(string dataset)
    {
        await _store.MigrateAsync(default);
        var batches = new List<List<JsonElement>>();
        foreach (var header in await _store.GetBatchHeadersAfterAsync(dataset, 0, 10_000, default))
        {
            var batch = await _store.Batches.GetBatchAsync(header.BatchId, default);
            var lines = JsonLinesPayloadWriterTests.Gunzip(batch!.Payload).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            batches.Add([.. lines.Select(line => JsonDocument.Parse(line).RootElement.Clone())]);
        }

        return batches;
    }

    private async Task<List<(int RowCount, string? WatermarkFrom, string? WatermarkTo)>> StagedBatchesAsync(string dataset)
    {
        await using var connection = new SqliteConnection(StagingConnectionString);
        var rows = await connection.QueryAsync<(long RowCount, string? WatermarkFrom, string? WatermarkTo)>(
            "SELECT row_count, watermark_from, watermark_to FROM batches WHERE dataset = @dataset ORDER BY seq", new { dataset });
        return [.. rows.Select(r => ((int)r.RowCount, r.WatermarkFrom, r.WatermarkTo))];
    }

    private async Task ExecuteStagingAsync(string sql)
    {
        await using var connection = new SqliteConnection(StagingConnectionString);
        await connection.ExecuteAsync(sql);
    }

    /// <summary>Another process's write transaction on the staging file: stores wait (busy timeout) until it is disposed.</summary>
    private async Task<SqliteConnection> HoldStagingWriteLockAsync()
    {
        var connection = new SqliteConnection(StagingConnectionString + ";Pooling=False");
        await connection.OpenAsync();
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        return connection;
    }

    /// <summary>Waits until the dataset has the given number of batches; the engine stores them in the background.</summary>
    private async Task UntilStoredAsync(string dataset, int batches)
    {
        for (var attempt = 0; (await _store.Batches.GetDatasetStateAsync(dataset, default)).LastSeq < batches; attempt++)
        {
            if (attempt == 3000)
            {
                throw new TimeoutException($"Dataset {dataset} did not reach {batches} stored batches in 30 s.");
            }

            await Task.Delay(10);
        }
    }

    private async Task<List<long>> StagedKeysAsync(string dataset) =>
        [.. (await StagedRowsAsync(dataset)).SelectMany(b => b).Select(r => r.GetProperty("ID").GetInt64())];

    /// <summary>An open gate whose hibernation token is already cancelled from the given check on, as if it started hibernating mid-chunk.</summary>
    private sealed class HibernatingGate(int hibernateOnCheck) : ILoadGate
    {
        private int _calls;

        public ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken)
        {
            _calls++;
            return ValueTask.FromResult(new GateDecision(GateState.Idle, "idle"));
        }

        public CancellationToken HibernationToken(string source) => _calls >= hibernateOnCheck ? new CancellationToken(canceled: true) : CancellationToken.None;
    }

    /// <summary>A gate that runs a callback on each check (numbered from 1) and closes from a given check on.</summary>
    private sealed class CallbackGate(Func<int, Task> onCheck, int closeFromCall = int.MaxValue) : ILoadGate
    {
        /// <summary>Checks so far.</summary>
        public int Calls { get; private set; }

        public async ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken)
        {
            var call = ++Calls;
            await onCheck(call);
            return call >= closeFromCall ? new GateDecision(GateState.Busy, "source busy (test)") : new GateDecision(GateState.Idle, "idle");
        }
    }
}
