using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>Extraction from a real PostgreSQL hot standby, with replay paused and resumed on it.</summary>
[Collection(PostgresStandbyCollection.Name)]
public sealed class PostgresStandbyExtractionTests(PostgresStandbyPair pair) : IDisposable
{
    private static readonly TimeSpan SafetyLag = TimeSpan.FromSeconds(3);
    private readonly TempDirectory _folder = new("exchange-pg-standby");

    [PostgresFact]
    public async Task Extract_FromTheStandby_StagesNothingBeyondItsReplayedPoint_ThenEverythingOnceAfterReplayResumes_AndNeverReadsThePrimary()
    {
        var (primary, standby) = await pair.CreateDatabaseAsync("standby");
        await PostgresStandbyPair.ExecuteAsync(primary, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac003 text NOT NULL, aae036 timestamptz NOT NULL);
            CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
            """);
        await PostgresStandbyPair.ExecuteAsync(primary, """
            INSERT INTO ac43 VALUES (1, 'old', now() - interval '60 seconds'), (2, 'A', now() - interval '8 seconds'), (3, 'C', now() - interval '2 seconds');
            """);
        await pair.WaitForReplayAsync();
        var primaryReadsBefore = await PrimaryReadsAsync(primary);
        var staging = CreateStaging();

        // Replay stops; B is stamped before C but committed after the standby's replayed point.
        await pair.PauseReplayAsync();
        try
        {
            await PostgresStandbyPair.ExecuteAsync(primary, "INSERT INTO ac43 VALUES (4, 'B', now() - interval '5 seconds')");
            var replayed = await PostgresStandbyPair.ScalarAsync<DateTime>(standby, "SELECT pg_last_xact_replay_timestamp()");

            // The run happens as if two minutes later: by its own clock C is old enough, by the standby's it is not.
            var engine = CreateEngine(staging, primary, standby, TimeSpan.FromMinutes(5), TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(2));
            var paused = await engine.RunAsync(Dataset(), default);
            Assert.Equal(ExtractionStopReason.CaughtUp, paused.StopReason);
            var staged = await StagedRows.ReadAllAsync(staging, "AC43");
            Assert.Equal([1L, 2L], staged.Select(r => r.GetProperty("aaz223").GetInt64()));
            Assert.All(staged, r => Assert.True(r.GetProperty("aae036").GetDateTimeOffset() <= replayed - SafetyLag));
        }
        finally
        {
            await pair.ResumeReplayAsync();
        }

        await pair.WaitForReplayAsync();
        await WaitUntilStandbyClockPassesAsync(standby, "SELECT max(aae036) FROM ac43");
        var resumedEngine = CreateEngine(staging, primary, standby, TimeSpan.FromMinutes(5), TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(2));
        var resumed = await resumedEngine.RunAsync(Dataset(), default);
        Assert.Equal(2, resumed.Rows);
        var all = await StagedRows.ReadAllAsync(staging, "AC43");
        Assert.Equal([1L, 2L, 4L, 3L], all.Select(r => r.GetProperty("aaz223").GetInt64()));

        // Exchange read the standby only: the primary's statistics show no scan of the table since before the runs.
        Assert.Equal(primaryReadsBefore, await PrimaryReadsAsync(primary));
        Assert.True(await PostgresStandbyPair.ScalarAsync<long>(standby, "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'ac43'") > 0);
    }

    [PostgresFact]
    public async Task Extract_FromTheStandby_StopsBeforeATransactionOpenOnThePrimary_AndStagesItsRowOnceItCommits()
    {
        var (primary, standby) = await pair.CreateDatabaseAsync("horizon");
        await PostgresStandbyPair.ExecuteAsync(primary, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac003 text NOT NULL, aae036 timestamptz NOT NULL);
            CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
            INSERT INTO ac43 VALUES (1, 'old', now() - interval '60 seconds');
            """);

        // A transaction on the primary stamps its row with its start and stays open past the safety lag, while a later
        // row commits. The standby sees neither the transaction nor, until it commits, its row.
        await using var open = new Npgsql.NpgsqlConnection(primary);
        await open.OpenAsync();
        await using var transaction = await open.BeginTransactionAsync();
        await using (var insert = new Npgsql.NpgsqlCommand("INSERT INTO ac43 VALUES (2, 'late', now())", open, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await Task.Delay(SafetyLag + TimeSpan.FromSeconds(1));
        await PostgresStandbyPair.ExecuteAsync(primary, "INSERT INTO ac43 VALUES (3, 'later', now())");
        await pair.WaitForReplayAsync();
        await WaitUntilStandbyClockPassesAsync(standby, "SELECT max(aae036) FROM ac43");
        var staging = CreateStaging();

        var whileOpen = await CreateEngine(staging, primary, standby, TimeSpan.FromMinutes(5), TimeProvider.System.GetUtcNow()).RunAsync(Dataset(), default);
        Assert.Equal(ExtractionStopReason.CaughtUp, whileOpen.StopReason);
        Assert.Equal([1L], (await StagedRows.ReadAllAsync(staging, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()));

        await transaction.CommitAsync();
        await pair.WaitForReplayAsync();
        await CreateEngine(staging, primary, standby, TimeSpan.FromMinutes(5), TimeProvider.System.GetUtcNow()).RunAsync(Dataset(), default);
        Assert.Equal([1L, 2L, 3L], (await StagedRows.ReadAllAsync(staging, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()));
    }

    [PostgresFact]
    public async Task Extract_HoldsTheDataset_WhileTheStandbyIsMoreThanMaxReplicaLagBehind_AndSaysWhy()
    {
        var (primary, standby) = await pair.CreateDatabaseAsync("lagging");
        await PostgresStandbyPair.ExecuteAsync(primary, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac003 text NOT NULL, aae036 timestamptz NOT NULL);
            INSERT INTO ac43 VALUES (1, 'old', now() - interval '60 seconds');
            """);
        await pair.WaitForReplayAsync();
        await pair.PauseReplayAsync();
        try
        {
            await PostgresStandbyPair.ExecuteAsync(primary, "INSERT INTO ac43 VALUES (2, 'new', now())");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var staging = CreateStaging();
            var engine = CreateEngine(staging, primary, standby, TimeSpan.FromSeconds(1), TimeProvider.System.GetUtcNow());

            var held = await engine.RunAsync(Dataset(), default);

            Assert.Equal(ExtractionStopReason.Held, held.StopReason);
            Assert.Equal(0, held.Rows);
            Assert.Contains("the standby of source 'prod' (127.0.0.1@lagging_", held.Detail, StringComparison.Ordinal);
            Assert.Contains("behind the primary", held.Detail, StringComparison.Ordinal);
            Assert.Contains("more than MaxReplicaLag 00:00:01", held.Detail, StringComparison.Ordinal);
            Assert.Empty(await StagedRows.ReadAllAsync(staging, "AC43"));
        }
        finally
        {
            await pair.ResumeReplayAsync();
        }
    }

    public void Dispose() => _folder.Dispose();

    private static DatasetOptions Dataset() => new()
    {
        Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
        ChunkRows = 100, TargetChunkTime = TimeSpan.Zero, SafetyLag = SafetyLag,
    };

    // Scans of the table on the primary (sequential and index), as its statistics count them.
    private static Task<long> PrimaryReadsAsync(string primary) => PostgresStandbyPair.ScalarAsync<long>(
        primary, "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'ac43'");

    // The newest row becomes old enough (by the safety lag) on the standby's own clock.
    private static async Task WaitUntilStandbyClockPassesAsync(string standby, string newestSql)
    {
        var seconds = SafetyLag.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (!await PostgresStandbyPair.ScalarAsync<bool>(standby, $"SELECT now() - interval '{seconds} seconds' > ({newestSql})"))
        {
            await Task.Delay(100);
        }
    }

    private TestStaging CreateStaging()
    {
        var staging = TestStaging.Sqlite($"Data Source={_folder.File(Guid.NewGuid().ToString("N") + ".db")}", TimeProvider.System);
        staging.MigrateAsync(default).GetAwaiter().GetResult();
        return staging;
    }

    private static ExtractionEngine CreateEngine(TestStaging staging, string primary, string standby, TimeSpan maxReplicaLag, DateTimeOffset now)
    {
        var options = new ExchangeOptions
        {
            Sources =
            {
                ["prod"] = new SourceOptions
                {
                    Provider = "postgres", ConnectionString = primary, ReadConnectionString = standby, MaxReplicaLag = maxReplicaLag, TimeZoneOffset = TimeSpan.FromHours(8),
                },
            },
        };
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        var clock = new FakeTimeProvider(now);
        return new ExtractionEngine(staging.Batches, new AlwaysOpenLoadGate(), connector, new ChunkStoreRetry(clock, NullLogger<ChunkStoreRetry>.Instance), clock, NullLogger<ExtractionEngine>.Instance);
    }
}
