using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.IntegrationTests.Load;

/// <summary>The real gate sampling a real PostgreSQL source while the real engine extracts from it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLoadGateTests(PostgresCluster cluster) : IAsyncLifetime
{
    private const string ApplicationName = "exchange-gate-test";
    private readonly TempDirectory _folder = new("exchange-pg-gate");
    private readonly CancellationTokenSource _stop = new();
    private string _source = "";
    private TestStaging? _staging;
    private LoadGate? _gate;
    private ExtractionEngine? _engine;
    private Task? _sampling;

    private static DatasetOptions Dataset => new()
    {
        Name = "AC43", Source = "prod", Cron = "0 * * * * ?",
        // slow() sleeps on the first 300 rows only: those chunks take long enough to be caught in flight.
        Query = "SELECT a.aaz223, a.aae036, slow(a.aaz223) AS probe FROM ac43 a WHERE {keyset}",
        TimestampColumn = "a.aae036", KeyColumn = "a.aaz223", ChunkRows = 100, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
    };

    public async Task InitializeAsync()
    {
        var database = await cluster.CreateDatabaseAsync("gate");
        _source = database + ";Application Name=" + ApplicationName;
        await ExecuteAsync(database, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aae036 timestamp without time zone NOT NULL);
            CREATE INDEX ix_ac43 ON ac43 (aae036, aaz223);
            INSERT INTO ac43 SELECT g, timestamp '2026-11-01 08:00:00' + g * interval '1 second' FROM generate_series(1, 3000) AS g;
            CREATE TABLE knob (v double precision NOT NULL);
            INSERT INTO knob VALUES (0);
            CREATE FUNCTION slow(x bigint) RETURNS bigint LANGUAGE plpgsql AS $$
            BEGIN IF x <= 300 THEN PERFORM pg_sleep(0.01); END IF; RETURN x; END $$;
            """);
        var exchange = new ExchangeOptions { DataDirectory = _folder.Path };
        exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = _source, TimeZoneOffset = TimeSpan.FromHours(8) };
        var schedule = new ScheduleOptions { Datasets = [Dataset] };
        schedule.Load.Sources["prod"] = new SourceLoadOptions
        {
            Probes = [new ProbeOptions { Name = "knob", Kind = "sql", Sql = "SELECT v FROM knob", Busy = 10, Idle = 5, Critical = 100 }],
            SampleInterval = TimeSpan.FromMilliseconds(100),
            IdleSamplesToReopen = 1,
            Hibernation = TimeSpan.FromSeconds(3),
        };
        _staging = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", TimeProvider.System);
        await _staging.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(exchange));
        _gate = new LoadGate(new StaticOptionsMonitor<ScheduleOptions>(schedule), new StaticOptionsMonitor<ExchangeOptions>(exchange),
            new LoadProbeFactory(connector, new HttpClient()), _staging.LoadSamples, TimeProvider.System, NullLogger<LoadGate>.Instance);
        _engine = new ExtractionEngine(_staging.Batches, _gate, connector, new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance), TimeProvider.System, NullLogger<ExtractionEngine>.Instance);
        _sampling = _gate.RunAsync(_stop.Token);
    }

    [PostgresFact]
    public async Task Hibernation_AbandonsTheChunkInFlight_SendsNoQueryToTheSource_ThenResumesExactlyOnce()
    {
        await WaitForStateAsync(GateState.Idle);
        var run = _engine!.RunAsync(Dataset, default);
        await WaitForAsync(async () => (await _staging!.Batches.GetDatasetStateAsync("AC43", default)).LastSeq >= 1, "the first chunk");

        await ExecuteAsync(_source, "UPDATE knob SET v = 500"); // critical: the next sample hibernates the gate
        var stopped = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ExtractionStopReason.GateClosed, stopped.StopReason);
        Assert.Contains("abandoned", stopped.Detail, StringComparison.Ordinal);
        Assert.True(stopped.Rows < 300, $"the slow chunk in flight must have been abandoned, but {stopped.Rows} rows were stored");

        // The hibernation lasts 3 s from here: nothing of the daemon may reach the source meanwhile, neither probes nor chunks.
        await ExecuteAsync(cluster.AdminConnectionString, "SELECT 1"); // settle
        var hibernationStart = await ScalarAsync<DateTime>(cluster.AdminConnectionString, "SELECT clock_timestamp()");
        await ExecuteAsync(_source.Replace(ApplicationName, "test-admin", StringComparison.Ordinal), "UPDATE knob SET v = 0");
        var during = await _engine.RunAsync(Dataset, default);
        Assert.Equal(ExtractionStopReason.GateClosed, during.StopReason);
        Assert.Equal(GateState.Hibernating, (await _gate!.CheckAsync("prod", default)).State);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(GateState.Hibernating, (await _gate.CheckAsync("prod", default)).State);
        var touched = await ScalarAsync<long>(cluster.AdminConnectionString,
            $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{ApplicationName}' AND (query_start > '{hibernationStart:O}' OR backend_start > '{hibernationStart:O}' OR state = 'active')");
        Assert.Equal(0, touched);

        await WaitForStateAsync(GateState.Idle);
        var resumed = await _engine.RunAsync(Dataset, default);
        Assert.Equal(ExtractionStopReason.CaughtUp, resumed.StopReason);
        var keys = (await StagedRows.ReadAllAsync(_staging!, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), keys);

        var transitions = await _staging!.ReadLoadSamplesAsync("prod", DateTimeOffset.MinValue, 100, default);
        Assert.Contains(transitions, t => t.State == GateState.Hibernating && t.Probe == "knob" && t.Value == 500);
        Assert.Equal(GateState.Idle, transitions[^1].State);
    }

    private async Task WaitForStateAsync(GateState state) =>
        await WaitForAsync(async () => (await _gate!.CheckAsync("prod", default)).State == state, $"gate {state}");

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_sampling is not null)
        {
            try
            {
                await _sampling;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stop.Dispose();
        _folder.Dispose();
    }
}
