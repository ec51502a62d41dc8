using System.Globalization;
using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Deletes;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.IntegrationTests.Deletes;

/// <summary>Deletions at a real PostgreSQL source reach the staged batches as tombstones, on both staging stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DeleteReconcilerTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDirectory _folder = new("exchange-deletes");

    [Fact]
    public async Task Reconcile_After1000RandomDeletes_StagesExactlyThoseKeys_AndAnInsurerRebuildsTheTable_ReadingOnlyTheKeyColumn()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await CreateTableAsync(source, 100_000);
        // The reconciler reads as a role that may read the key column and nothing else: any other column would be refused.
        var role = $"keys_{Guid.NewGuid():N}"[..16];
        await LongTransactionSource.ExecuteAsync(source, $"CREATE ROLE {role} LOGIN; GRANT SELECT (aaz223) ON ac43 TO {role};");
        var keysOnly = new NpgsqlConnectionStringBuilder(source) { Username = role }.ConnectionString;
        await using var rig = await CreateAsync(source, sqlite: true, new AlwaysOpenLoadGate(), keysOnly);
        var dataset = Dataset(chunkRows: 5000);

        await ExtractAsync(rig, dataset);
        await LongTransactionSource.ExecuteAsync(source, "UPDATE ac43 SET aae022 = aae022 + 1, aae036 = timestamp '2026-11-20 08:00:00' + aaz223 * interval '1 millisecond' WHERE aaz223 % 200 = 3");
        await ExtractAsync(rig, dataset);
        Assert.Equal(100_000, await rig.Staging.Keys.CountAsync("AC43", default));

        var deleted = await QueryKeysAsync(source, "DELETE FROM ac43 WHERE aaz223 IN (SELECT aaz223 FROM ac43 ORDER BY random() LIMIT 1000) RETURNING aaz223");
        var result = await rig.Reconciler.RunAsync(KeysOnly(dataset), null, default);

        Assert.True(result.Finished);
        Assert.Equal(100_000 - 1000, result.KeysWalked);
        Assert.Equal(1000, result.Deleted);
        var staged = await StagedRows.ReadAllAsync(rig.Staging, "AC43");
        var tombstones = staged.Where(IsTombstone).ToList();
        Assert.Equal(deleted.Order(), tombstones.Select(r => r.GetProperty("aaz223").GetInt64()).Order());
        Assert.All(tombstones, t => Assert.Equal(["aaz223", "_op"], t.EnumerateObject().Select(p => p.Name)));
        await AssertRebuildsAsync(rig, source);

        // A deleted key inserted again is an upsert again, and the next pass finds nothing more to delete.
        await LongTransactionSource.ExecuteAsync(source, $"INSERT INTO ac43 VALUES ({deleted[0]}, '又来了', 1.25, timestamp '2026-11-25 08:00:00')");
        await ExtractAsync(rig, dataset);
        var again = await rig.Reconciler.RunAsync(KeysOnly(dataset), null, default);
        Assert.Equal(0, again.Deleted);
        Assert.Equal(100_000 - 1000 + 1, await rig.Staging.Keys.CountAsync("AC43", default));
        await AssertRebuildsAsync(rig, source);
    }

    [Fact]
    public async Task Reconcile_PausedByTheGate_GoesOnLater_AndNeverTombstonesAKeyStagedAgainMeanwhile()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await CreateTableAsync(source, 3000);
        var gate = new CountdownGate();
        await using var rig = await CreateAsync(source, sqlite: false, gate);
        var dataset = Dataset(chunkRows: 500);
        await ExtractAsync(rig, dataset);
        await LongTransactionSource.ExecuteAsync(source, "DELETE FROM ac43 WHERE aaz223 IN (10, 20, 2990)");

        // Two chunks (keys 1 to 1002), then the gate closes: the pass keeps its place.
        gate.OpenFor(2);
        var paused = await rig.Reconciler.RunIfDueAsync(dataset, default);
        Assert.False(paused!.Finished);
        Assert.Equal(1000, paused.KeysWalked);

        // Meanwhile: key 10 comes back and is staged again, key 500 (walked, found) and key 2000 (not walked yet) are deleted.
        await LongTransactionSource.ExecuteAsync(source, "INSERT INTO ac43 VALUES (10, '回来', 9.99, timestamp '2026-11-25 08:00:00'); DELETE FROM ac43 WHERE aaz223 IN (500, 2000);");
        await ExtractAsync(rig, dataset);

        gate.OpenFor(int.MaxValue);
        var resumed = await rig.Reconciler.RunIfDueAsync(dataset, default);
        Assert.True(resumed!.Finished);
        Assert.Equal([20L, 2000L, 2990L], (await TombstonedKeysAsync(rig)).Order());

        // Key 500 was found before it was deleted: the next pass (not due yet) tombstones it.
        Assert.Null(await rig.Reconciler.RunIfDueAsync(dataset, default));
        Assert.Equal(1, (await rig.Reconciler.RunAsync(dataset, null, default)).Deleted);
        Assert.Equal([20L, 500L, 2000L, 2990L], (await TombstonedKeysAsync(rig)).Order());
        await AssertRebuildsAsync(rig, source);
    }

    [Fact]
    public async Task Reconcile_WhoseTombstoneMeetsAKeyStagedAgain_EndsTheRunWithoutRetryOrRest_AndTheNextRunJudgesAgain()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await CreateTableAsync(source, 100);
        var keys = new InterleavingKeys();
        await using var rig = await CreateAsync(source, sqlite: true, new AlwaysOpenLoadGate(), wrapKeys: inner => keys.Around(inner));
        var dataset = Dataset(chunkRows: 40);
        await ExtractAsync(rig, dataset);
        await LongTransactionSource.ExecuteAsync(source, "DELETE FROM ac43 WHERE aaz223 IN (10, 20)");

        // Once the pass has read the keys it judges, key 10 comes back at the source and is staged again.
        keys.OnFirstJudged = async () =>
        {
            await LongTransactionSource.ExecuteAsync(source, "INSERT INTO ac43 VALUES (10, '回来', 9.99, timestamp '2026-11-25 08:00:00')");
            await ExtractAsync(rig, dataset);
        };
        var lastSeq = (await rig.Staging.Batches.GetDatasetStateAsync("AC43", default)).LastSeq;
        var conflicted = await rig.Reconciler.RunIfDueAsync(dataset, default);

        Assert.False(conflicted!.Finished);
        Assert.Contains("staged again", conflicted.Detail, StringComparison.Ordinal);
        Assert.Null(rig.Retry.Resting("AC43"));
        Assert.Empty(await TombstonedKeysAsync(rig));
        Assert.Equal(lastSeq + 1, (await rig.Staging.Batches.GetDatasetStateAsync("AC43", default)).LastSeq); // the extraction's batch only

        var next = await rig.Reconciler.RunIfDueAsync(dataset, default);
        Assert.True(next!.Finished);
        Assert.Equal([20L], await TombstonedKeysAsync(rig));
        await AssertRebuildsAsync(rig, source);
    }

    [Fact]
    public async Task Reconcile_AttendsTheSource_SoAGateThatSamplesOnlyWhileAttendedMeasuresItDuringTheWalk()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await CreateTableAsync(source, 3000);
        await LongTransactionSource.ExecuteAsync(source, """
            CREATE TABLE probe_hits (at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE FUNCTION probe_hit() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN INSERT INTO probe_hits DEFAULT VALUES; RETURN 0; END $$;
            """);
        var schedule = new ScheduleOptions();
        schedule.Load.Sources["prod"] = new SourceLoadOptions
        {
            Probes = [new ProbeOptions { Name = "hits", Kind = "sql", Sql = "SELECT probe_hit()", Busy = 50, Idle = 40 }],
            SampleInterval = TimeSpan.FromMilliseconds(100),
            IdleSamplesToReopen = 1,
        };
        var gateOptions = new ExchangeOptions { DataDirectory = _folder.Path };
        gateOptions.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        LoadGate? gate = null;
        await using var rig = await CreateAsync(source, sqlite: false, (connector, staging) => gate = new LoadGate(
            new StaticOptionsMonitor<ScheduleOptions>(schedule), new StaticOptionsMonitor<ExchangeOptions>(gateOptions),
            new LoadProbeFactory(connector, new HttpClient()), staging.LoadSamples, TimeProvider.System, NullLogger<LoadGate>.Instance, LoadSampling.WhileReading));
        var dataset = Dataset(chunkRows: 500);
        await ExtractAsync(rig, dataset);
        await LongTransactionSource.ExecuteAsync(source, "DELETE FROM ac43 WHERE aaz223 IN (7, 2999)");

        using var stop = new CancellationTokenSource();
        var sampling = gate!.RunAsync(stop.Token);
        ReconcileResult result;
        try
        {
            result = await rig.Reconciler.RunAsync(dataset, null, default);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling);
        }

        // Unattended, the gate would take no sample and answer busy at the first check: the pass would pause at once.
        Assert.True(result.Finished, result.Detail);
        Assert.Equal([7L, 2999L], (await TombstonedKeysAsync(rig)).Order());
        Assert.True(await QueryKeysAsync(source, "SELECT COUNT(*) FROM probe_hits") is [> 0]);
    }

    [Fact]
    public async Task Extraction_WithoutReconcile_KeepsNoKeyIndex()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await CreateTableAsync(source, 100);
        await using var rig = await CreateAsync(source, sqlite: true, new AlwaysOpenLoadGate());
        var dataset = Dataset(chunkRows: 40);
        dataset.Deletes = DeleteModes.Off;

        await ExtractAsync(rig, dataset);

        Assert.Equal(0, await rig.Staging.Keys.CountAsync("AC43", default));
        Assert.Null(await rig.Reconciler.RunIfDueAsync(dataset, default));
    }

    private static DatasetOptions Dataset(int chunkRows) => new()
    {
        Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
        ChunkRows = chunkRows, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1), Deletes = DeleteModes.Reconcile,
    };

    private static DatasetOptions KeysOnly(DatasetOptions dataset) => new()
    {
        Name = dataset.Name, Source = "keys", Cron = dataset.Cron, Table = dataset.Table, TimestampColumn = dataset.TimestampColumn, KeyColumn = dataset.KeyColumn,
        ChunkRows = dataset.ChunkRows, TargetChunkTime = dataset.TargetChunkTime, Deletes = dataset.Deletes,
    };

    private static bool IsTombstone(JsonElement row) =>
        row.TryGetProperty(PayloadKeys.OperationField, out var op) && op.GetString() == PayloadKeys.DeleteOperation;

    private static async Task<List<long>> TombstonedKeysAsync(Rig rig) =>
        [.. (await StagedRows.ReadAllAsync(rig.Staging, "AC43")).Where(IsTombstone).Select(r => r.GetProperty("aaz223").GetInt64())];

    /// <summary>An insurer applying every batch in order (upserts and deletes) ends with exactly the source table.</summary>
    private static async Task AssertRebuildsAsync(Rig rig, string source)
    {
        var rebuilt = new Dictionary<long, JsonElement>();
        foreach (var row in await StagedRows.ReadAllAsync(rig.Staging, "AC43"))
        {
            var key = row.GetProperty("aaz223").GetInt64();
            if (IsTombstone(row))
            {
                Assert.True(rebuilt.Remove(key), $"tombstone of key {key}, which the insurer does not hold");
            }
            else
            {
                rebuilt[key] = row;
            }
        }

        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT aaz223, aac003, aae022::text, aae036 FROM ac43", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var count = 0;
        while (await reader.ReadAsync())
        {
            count++;
            Assert.True(rebuilt.TryGetValue(reader.GetInt64(0), out var row), $"key {reader.GetInt64(0)} is at the source but not at the insurer");
            Assert.Equal(reader.GetString(1), row.GetProperty("aac003").GetString());
            Assert.Equal(reader.GetString(2), row.GetProperty("aae022").GetRawText());
            Assert.Equal(reader.GetDateTime(3), DateTimeOffset.Parse(row.GetProperty("aae036").GetString()!, CultureInfo.InvariantCulture).DateTime);
        }

        Assert.Equal(count, rebuilt.Count);
    }

    private static async Task ExtractAsync(Rig rig, DatasetOptions dataset)
    {
        var result = await rig.Engine.RunAsync(dataset, default);
        Assert.Equal(ExtractionStopReason.CaughtUp, result.StopReason);
    }

    private Task<Rig> CreateAsync(string source, bool sqlite, ILoadGate reconcileGate, string? keysSource = null, Func<IKeyIndexStore, IKeyIndexStore>? wrapKeys = null) =>
        CreateAsync(source, sqlite, (_, _) => reconcileGate, keysSource, wrapKeys);

    private async Task<Rig> CreateAsync(
        string source, bool sqlite, Func<SourceConnector, TestStaging, ILoadGate> reconcileGate, string? keysSource = null, Func<IKeyIndexStore, IKeyIndexStore>? wrapKeys = null)
    {
        var options = new ExchangeOptions();
        options.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        options.Sources["keys"] = new SourceOptions { Provider = "postgres", ConnectionString = keysSource ?? source, TimeZoneOffset = TimeSpan.FromHours(8) };
        var staging = sqlite
            ? TestStaging.Sqlite($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", TimeProvider.System)
            : TestStaging.Postgres(await cluster.CreateDatabaseAsync("staging"), TimeProvider.System);
        await staging.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        var retry = new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance);
        return new Rig(
            new ExtractionEngine(staging.Batches, new AlwaysOpenLoadGate(), connector, retry, TimeProvider.System, NullLogger<ExtractionEngine>.Instance),
            new DeleteReconciler(staging.Batches, wrapKeys is null ? staging.Keys : wrapKeys(staging.Keys), reconcileGate(connector, staging), connector, retry, TimeProvider.System, NullLogger<DeleteReconciler>.Instance),
            staging,
            retry);
    }

    private static Task CreateTableAsync(string source, int rows) => LongTransactionSource.ExecuteAsync(source, $"""
        CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac003 text NOT NULL, aae022 numeric(14,2) NOT NULL, aae036 timestamp without time zone NOT NULL);
        CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
        INSERT INTO ac43 SELECT g, '张' || g, (g * 7 % 100000) / 100.0 + 0.50, timestamp '2026-11-01 08:00:00' + (g / 10) * interval '1 second'
        FROM generate_series(1, {rows}) AS g;
        """);

    private static async Task<List<long>> QueryKeysAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<long>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }

    public void Dispose() => _folder.Dispose();

    private sealed record Rig(ExtractionEngine Engine, DeleteReconciler Reconciler, TestStaging Staging, ChunkStoreRetry Retry) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Staging.DisposeAsync();
    }

    /// <summary>A gate open for a number of checks, then busy.</summary>
    private sealed class CountdownGate : ILoadGate
    {
        private int _open;

        public void OpenFor(int checks) => _open = checks;

        public ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Interlocked.Decrement(ref _open) >= 0 ? new GateDecision(GateState.Idle, "open") : new GateDecision(GateState.Busy, "test gate closed"));
    }

    /// <summary>The real key index, with a step run once right after the first judged keys are read (a concurrent writer).</summary>
    private sealed class InterleavingKeys
    {
        public Func<Task>? OnFirstJudged { get; set; }

        public IKeyIndexStore Around(IKeyIndexStore inner) => new Store(inner, this);

        private sealed class Store(IKeyIndexStore inner, InterleavingKeys owner) : IKeyIndexStore
        {
            public Task<ReconcilePass?> GetPassAsync(string dataset, CancellationToken cancellationToken) => inner.GetPassAsync(dataset, cancellationToken);

            public Task<ReconcilePass> StartPassAsync(string dataset, CancellationToken cancellationToken) => inner.StartPassAsync(dataset, cancellationToken);

            public Task<IReadOnlyList<long>> FindAsync(string dataset, IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.FindAsync(dataset, keys, cancellationToken);

            public Task SaveProgressAsync(string dataset, string? afterKey, byte[] seen, CancellationToken cancellationToken) => inner.SaveProgressAsync(dataset, afterKey, seen, cancellationToken);

            public async Task<IReadOnlyList<StagedKey>> ReadJudgedAsync(ReconcilePass pass, long afterKeyId, int max, CancellationToken cancellationToken)
            {
                var judged = await inner.ReadJudgedAsync(pass, afterKeyId, max, cancellationToken);
                if (judged.Count > 0 && owner.OnFirstJudged is { } step)
                {
                    owner.OnFirstJudged = null;
                    await step();
                }

                return judged;
            }

            public Task FinishPassAsync(string dataset, long deleted, CancellationToken cancellationToken) => inner.FinishPassAsync(dataset, deleted, cancellationToken);

            public Task<long> CountAsync(string dataset, CancellationToken cancellationToken) => inner.CountAsync(dataset, cancellationToken);
        }
    }
}
