using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>Extraction from a real PostgreSQL source (the throwaway cluster) into a real SQLite staging file.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSourceExtractionTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDirectory _folder = new("exchange-pg-source");

    [Fact]
    public async Task Extract_ReadsEveryRowOnce_KeepsDecimalsAndChinese_AndPicksUpInsertsAndUpdates()
    {
        var source = await cluster.CreateDatabaseAsync("source");
        await ExecuteAsync(source, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac001 bigint NOT NULL, aac003 text NOT NULL,
                               aae022 numeric(14,2) NOT NULL, aae036 timestamp without time zone NOT NULL);
            CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
            -- 2,500 rows, ten per timestamp: chunks of 300 must split rows sharing one timestamp
            INSERT INTO ac43 SELECT g, 1000 + g % 97, '张' || g, (g * 7 % 100000) / 100.0 + 0.50,
                                    timestamp '2026-11-01 08:00:00' + (g / 10) * interval '1 second'
            FROM generate_series(1, 2500) AS g;
            """);

        var (engine, staging) = CreateEngine(source);
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
            ChunkRows = 300, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
        };

        var first = await engine.RunAsync(dataset, default);
        Assert.Equal(ExtractionStopReason.CaughtUp, first.StopReason);
        Assert.Equal(2500, first.Rows);
        Assert.Equal(9, first.Chunks);

        var rows = await StagedRows.ReadAllAsync(staging, "AC43");
        Assert.Equal(2500, rows.Select(r => r.GetProperty("aaz223").GetInt64()).Distinct().Count());
        var row7 = rows.Single(r => r.GetProperty("aaz223").GetInt64() == 7);
        Assert.Equal("0.99", row7.GetProperty("aae022").GetRawText());   // numeric(14,2) written exactly as stored (0.49 + 0.50)
        Assert.Equal("张7", row7.GetProperty("aac003").GetString());
        Assert.EndsWith("+08:00", row7.GetProperty("aae036").GetString(), StringComparison.Ordinal);

        // New rows and an update after the first run: exactly these come next, once.
        await ExecuteAsync(source, """
            INSERT INTO ac43 SELECT g, 1, '李' || g, 10.10, timestamp '2026-11-02 08:00:00' FROM generate_series(2501, 2510) AS g;
            UPDATE ac43 SET aae022 = 123.40, aae036 = timestamp '2026-11-02 09:00:00' WHERE aaz223 = 5;
            """);
        var second = await engine.RunAsync(dataset, default);
        Assert.Equal(11, second.Rows);
        var all = await StagedRows.ReadAllAsync(staging, "AC43");
        Assert.Equal(2511, all.Count);
        var updated = all.Where(r => r.GetProperty("aaz223").GetInt64() == 5).Select(r => r.GetProperty("aae022").GetRawText()).ToList();
        Assert.Equal(["0.85", "123.40"], updated);

        var third = await engine.RunAsync(dataset, default);
        Assert.Equal(0, third.Rows);
    }

    [Fact]
    public async Task Extract_ReadsEachSourceRowOnce_WhenChunksEndInsideRowsSharingATimestamp()
    {
        var source = await cluster.CreateDatabaseAsync("reads");
        await ExecuteAsync(source, """
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac001 bigint NOT NULL, aae036 timestamp without time zone NOT NULL);
            CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
            -- 5,000 rows, a hundred per timestamp (as a source transaction stamping its rows with its start), not analysed yet
            INSERT INTO ac43 SELECT g, g % 97, timestamp '2026-11-01 08:00:00' + (g / 100) * interval '1 second' FROM generate_series(1, 5000) AS g;
            """);

        // Without pooling the engine's session ends with the run, and so reports what it read.
        var (engine, staging) = CreateEngine(source + ";Pooling=false");
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
            ChunkRows = 70, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
        };
        var first = await engine.RunAsync(dataset, default);
        Assert.Equal(5000, first.Rows);

        // Counted, not timed: each chunk of 70 ends inside a group of 100 rows sharing a timestamp. Starting the next chunk
        // at that timestamp fetched the group's rows up to the watermark again (1.7 reads a row), and on a table without
        // statistics (or near its end) a sequential or bitmap scan read every row left for each chunk. The ordered index
        // scan from just after the watermark reads each row once.
        Assert.True(await TuplesReadAsync(source, atLeast: 5000) <= 5000 + first.Chunks, $"more than {5000 + first.Chunks} tuples of ac43 read for 5000 rows in {first.Chunks} chunks");

        // Analysed, then 5,000 more rows beyond the statistics: the planner expects few rows after the watermark.
        await ExecuteAsync(source, """
            ANALYZE ac43;
            INSERT INTO ac43 SELECT g, g % 97, timestamp '2026-11-01 09:00:00' + (g / 100) * interval '1 second' FROM generate_series(5001, 10000) AS g;
            """);
        var second = await engine.RunAsync(dataset, default);
        Assert.Equal(5000, second.Rows);
        var read = await TuplesReadAsync(source, atLeast: 10000);
        Assert.True(read <= 10000 + first.Chunks + second.Chunks, $"{read} tuples of ac43 read for 10000 rows in {first.Chunks + second.Chunks} chunks");
        Assert.Equal(10000, (await StagedRows.ReadAllAsync(staging, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()).Distinct().Count());
    }

    /// <summary>The tuples of <c>ac43</c> read so far (<c>seq_tup_read + idx_tup_fetch</c>), once the engine's sessions have reported them.</summary>
    private static async Task<long> TuplesReadAsync(string connectionString, long atLeast)
    {
        // A session reports its counts when it ends; wait until no session of the daemon is left and the count has settled.
        long last = -1;
        for (var i = 0; i < 300; i++)
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT (SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = 'ac43'),
                       (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'exchange' AND datname = current_database())
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (read, sessions) = (reader.GetInt64(0), reader.GetInt64(1));
            if (read >= atLeast && sessions == 0 && read == last)
            {
                return read;
            }

            last = read;
            await Task.Delay(100);
        }

        throw new TimeoutException($"the tuples read of ac43 did not settle at {atLeast} or more (last {last})");
    }

    private (ExtractionEngine Engine, TestStaging Staging) CreateEngine(string sourceConnectionString) =>
        PostgresSourceEngine.Create(sourceConnectionString, _folder.File("staging.db"));

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => _folder.Dispose();
}
