using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>
/// A source transaction open much longer than the safety lag, while other rows commit and are extracted: with the
/// commit horizon, and with the xmin watermark, every row reaches staging exactly once (a real PostgreSQL source, a real
/// SQLite staging file, the real engine).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommitHorizonExtractionTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan SafetyLag = TimeSpan.FromSeconds(1);
    private readonly TempDirectory _folder = new("exchange-horizon");

    // The board is process-wide: a name of its own per test.
    private readonly string _name = "HZ_" + Guid.NewGuid().ToString("N")[..8];

    [PostgresFact]
    public async Task TimestampWithCommitHorizon_TransactionOpenFiveTimesTheSafetyLag_StagesEveryRowExactlyOnce()
    {
        var (sourceKeys, staged, held) = await RunHeldTransactionScenarioAsync(Dataset(WatermarkModes.Timestamp, CommitHorizonModes.Required));

        Assert.Empty(held.Except(staged));
        AssertExactlyOnce(sourceKeys, staged);
    }

    [PostgresFact]
    public async Task Xmin_TransactionOpenFiveTimesTheSafetyLag_StagesEveryRowExactlyOnce()
    {
        var (sourceKeys, staged, held) = await RunHeldTransactionScenarioAsync(Dataset(WatermarkModes.Xmin, CommitHorizonModes.Required));

        Assert.Empty(held.Except(staged));
        AssertExactlyOnce(sourceKeys, staged);
    }

    [PostgresFact]
    public async Task SafetyLagOnly_TransactionOpenFiveTimesTheSafetyLag_NeverStagesItsRows()
    {
        // The measurement of issue 16, and what the two tests above would see without the horizon: the watermark passes
        // the held rows' stamp before they are visible.
        var (_, staged, held) = await RunHeldTransactionScenarioAsync(Dataset(WatermarkModes.Timestamp, CommitHorizonModes.SafetyLagOnly));

        Assert.Equal(held.Count, held.Except(staged).Count());
    }

    [PostgresFact]
    public async Task HorizonRequired_UserWithoutPgReadAllStats_IsRefusedNamingTheGrant_UnlessTheDatasetOptsOut()
    {
        var source = await cluster.CreateDatabaseAsync("grant");
        await LongTransactionSource.CreateTableAsync(source, 10);
        await LongTransactionSource.ExecuteAsync(source, "CREATE ROLE exchange_reader LOGIN; GRANT SELECT ON ac43 TO exchange_reader;");
        var reader = new NpgsqlConnectionStringBuilder(source) { Username = "exchange_reader" }.ConnectionString;
        var (engine, _) = CreateEngine(reader);

        var refused = await Assert.ThrowsAsync<CommitHorizonUnavailableException>(() => engine.RunAsync(Dataset(WatermarkModes.Timestamp, CommitHorizonModes.Required), default));
        Assert.Contains("GRANT pg_read_all_stats TO", refused.Message, StringComparison.Ordinal);
        Assert.Contains("\"CommitHorizon\": \"SafetyLagOnly\"", refused.Message, StringComparison.Ordinal);
        Assert.Contains(CommitHorizonBoard.Instance.Current, h => h.Dataset == _name && h.Refused == refused.Message);

        var optedOut = await engine.RunAsync(Dataset(WatermarkModes.Timestamp, CommitHorizonModes.SafetyLagOnly), default);
        Assert.Equal(10, optedOut.Rows);
        Assert.Contains(CommitHorizonBoard.Instance.Current, h => h.Dataset == _name && h.Refused is null && h.Risk is not null);

        await LongTransactionSource.ExecuteAsync(source, "GRANT pg_read_all_stats TO exchange_reader;");
        Assert.Equal(ExtractionStopReason.CaughtUp, (await engine.RunAsync(Dataset(WatermarkModes.Timestamp, CommitHorizonModes.Required), default)).StopReason);
    }

    [PostgresFact]
    public async Task SessionIdleInTransactionPastMaxHorizonAge_DatasetWaits_AndTheBoardNamesTheSession()
    {
        var source = await cluster.CreateDatabaseAsync("idle");
        await LongTransactionSource.CreateTableAsync(source, 10);
        var (engine, _) = CreateEngine(source);
        await using var idle = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(source) { ApplicationName = "forgotten-report" }.ConnectionString);
        await idle.OpenAsync();
        await using var transaction = await idle.BeginTransactionAsync();
        await using (var touch = new NpgsqlCommand("SELECT count(*) FROM ac43", idle, transaction))
        {
            await touch.ExecuteScalarAsync();
        }

        // A row committed after that transaction began, and older than the safety lag when the run starts.
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        await LongTransactionSource.ExecuteAsync(source, "INSERT INTO ac43 VALUES (nextval('ac43_key'), 1, 1.00, (now() AT TIME ZONE 'UTC') + interval '8 hours')");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var dataset = Dataset(WatermarkModes.Timestamp, CommitHorizonModes.Required);
        dataset.MaxHorizonAge = TimeSpan.FromSeconds(1);

        var waiting = await engine.RunAsync(dataset, default);

        Assert.Equal(10, waiting.Rows); // the old rows; the row committed after the idle transaction began waits for it
        var horizon = Assert.Single(CommitHorizonBoard.Instance.Current, h => h.Dataset == _name);
        Assert.True(horizon.Blocking);
        Assert.Equal(idle.ProcessID.ToString(System.Globalization.CultureInfo.InvariantCulture), horizon.Oldest!.Session);
        Assert.Equal("forgotten-report", horizon.Oldest.Application);
        Assert.Equal("postgres", horizon.Oldest.User);

        await transaction.RollbackAsync();
        var after = await engine.RunAsync(dataset, default);
        Assert.Equal(1, after.Rows);
        Assert.False(Assert.Single(CommitHorizonBoard.Instance.Current, h => h.Dataset == _name).Blocking);
    }

    private async Task<(List<long> SourceKeys, List<long> Staged, List<long> Held)> RunHeldTransactionScenarioAsync(DatasetOptions dataset)
    {
        var source = await cluster.CreateDatabaseAsync("held");
        await LongTransactionSource.CreateTableAsync(source, 500);
        var (engine, staging) = CreateEngine(source);

        using var stopWriter = new CancellationTokenSource();
        var writer = LongTransactionSource.SteadyWriterAsync(source, TimeSpan.FromMilliseconds(300), stopWriter.Token);
        await Task.Delay(500);
        var held = LongTransactionSource.HeldTransactionAsync(source, 50, 5 * SafetyLag);
        var runsWhileHeld = 0;
        while (!held.IsCompleted)
        {
            await engine.RunAsync(dataset, default);
            runsWhileHeld++;
            await Task.Delay(300);
        }

        var heldKeys = await held;
        await Task.Delay(1000); // a few more rows after the commit
        await stopWriter.CancelAsync();
        var steadyRows = await writer;
        Assert.True(runsWhileHeld >= 5 && steadyRows >= 15, $"runs went on ({runsWhileHeld}) while rows committed one by one ({steadyRows}) during the long transaction");

        // Until two runs in a row find nothing, past the safety lag.
        await Task.Delay(SafetyLag * 1.5);
        for (var quiet = 0; quiet < 2;)
        {
            quiet = (await engine.RunAsync(dataset, default)).Rows == 0 ? quiet + 1 : 0;
        }

        var staged = (await StagedRows.ReadAllAsync(staging, _name)).Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        return (await LongTransactionSource.KeysAsync(source), staged, heldKeys);
    }

    private static void AssertExactlyOnce(List<long> sourceKeys, List<long> staged)
    {
        var twice = staged.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} rows staged more than once, e.g. {string.Join(", ", twice.Take(5))}");
        var missing = sourceKeys.Except(staged).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} source rows never staged, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.Equal(sourceKeys.Count, staged.Count);
    }

    private DatasetOptions Dataset(string watermark, string commitHorizon) => new()
    {
        Name = _name, Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
        ChunkRows = 100, TargetChunkTime = TimeSpan.Zero, SafetyLag = SafetyLag, Watermark = watermark, CommitHorizon = commitHorizon,
    };

    private (ExtractionEngine Engine, TestStaging Staging) CreateEngine(string sourceConnectionString) =>
        PostgresSourceEngine.Create(sourceConnectionString, _folder.File($"staging-{Guid.NewGuid():N}.db"));

    public void Dispose() => _folder.Dispose();
}
