using System.Text;
using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>
/// The PostgreSQL path reads columns with typed getters; its JSON must be byte for byte what the generic path
/// (boxed <c>GetValue</c> through <see cref="JsonCell"/>) writes, for every column type, NULLs and watermark ties.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTypedColumnsTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private readonly TempDirectory _folder = new("exchange-pg-typed");

    [PostgresFact]
    public async Task Extract_WritesTheSameJsonAsTheGenericPath_ForEveryColumnType_NullsAndTimestampTies()
    {
        var source = await cluster.CreateDatabaseAsync("typed");
        await ExecuteAsync(source, """
            CREATE TABLE t (id bigint PRIMARY KEY, i4 integer, i2 smallint, n numeric(14,2), n_free numeric, txt text, vc varchar(20),
                            ch char(4), ts_local timestamp, ts_utc timestamptz, d date, f8 double precision, f4 real, b boolean,
                            u uuid, bin bytea, js json, tm time, iv interval, aae036 timestamp NOT NULL);
            -- 40 rows, eight per timestamp; every fifth row is NULL in every nullable column
            INSERT INTO t SELECT g,
                CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1000 - 2147483 END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE (g - 20)::smallint END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 37 - 700) / 100.0 + 0.50 END,
                CASE WHEN g % 5 = 0 THEN NULL WHEN g % 3 = 0 THEN 12345678901234567.000100 ELSE -0.000 END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE '张"伟"' || chr(10) || '\' || g || ' <&>+' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE 'v' || g END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE 'c' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE timestamp '2026-11-01 08:00:00.123456' + g * interval '1 minute' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2026-11-01 08:00:00+08' + g * interval '1 hour' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE date '2026-02-27' + g END,
                CASE WHEN g % 5 = 0 THEN NULL WHEN g = 1 THEN 'NaN' WHEN g = 2 THEN '-Infinity' ELSE g / 3.0 END,
                CASE WHEN g % 5 = 0 THEN NULL WHEN g = 3 THEN 'Infinity' ELSE g / 7.0 END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 4, '0'), 'hex') END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE ('{"g":' || g || '}')::json END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE time '08:30:00' + g * interval '1 second' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE g * interval '90 minutes' END,
                timestamp '2026-11-01 08:00:00' + (g / 8) * interval '1 second'
            FROM generate_series(1, 40) AS g;
            """);

        var (engine, staging, _) = await EngineAsync(source, "staging.db");
        var dataset = new DatasetOptions
        {
            Name = "T", Source = "prod", Cron = "0 * * * * ?", Table = "t", TimestampColumn = "aae036", KeyColumn = "id",
            ChunkRows = 3, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1), // chunks of 3 split every run of 8 ties
        };

        var result = await engine.RunAsync(dataset, default);
        Assert.Equal(40, result.Rows);

        var staged = await StagedLinesAsync(staging, "T");
        var generic = await GenericLinesAsync(source, "SELECT * FROM t ORDER BY aae036, id");
        Assert.Equal(generic, staged);
        Assert.Contains("\"n\":-6.13,\"n_free\":0.000,", staged[0], StringComparison.Ordinal); // (37 - 700) / 100 + 0.50; -0.000 keeps its scale
        Assert.Contains("\"f8\":\"NaN\"", staged[0], StringComparison.Ordinal);
        Assert.Contains("\"i4\":null", staged[4], StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Extract_WritesTheSameJsonAsTheGenericPath_WhenEveryColumnTakesTheFastPath_AndForRowsLeftToTheWriter()
    {
        // Only types with a raw form, so that rows are written straight into the block unless a value needs escaping.
        var source = await cluster.CreateDatabaseAsync("fastpath");
        await ExecuteAsync(source, """
            CREATE TABLE t (id bigint PRIMARY KEY, i4 integer, i2 smallint, n numeric(14,2), txt text, vc varchar(20), ch char(4),
                            ts_local timestamp, ts_utc timestamptz, b boolean, aae036 timestamp NOT NULL);
            INSERT INTO t SELECT g,
                CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1000 - 2147483 END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE (g - 20)::smallint END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 37 - 700) / 100.0 + 0.50 END,
                CASE WHEN g % 5 = 0 THEN NULL WHEN g % 4 = 1 THEN '张"伟"' || chr(10) || '\' || g WHEN g % 4 = 2 THEN 'a😀' || g ELSE '张伟 <&>+' || g END,
                CASE WHEN g % 5 = 0 THEN NULL WHEN g % 7 = 0 THEN '' ELSE 'v' || g END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE 'c' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE timestamp '2026-11-01 08:00:00.123456' + g * interval '1 minute' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2026-11-01 08:00:00+08' + g * interval '1 hour' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
                timestamp '2026-11-01 08:00:00' + (g / 8) * interval '1 second'
            FROM generate_series(1, 40) AS g;
            """);

        var (engine, staging, _) = await EngineAsync(source, "fastpath.db");
        var dataset = new DatasetOptions
        {
            Name = "F", Source = "prod", Cron = "0 * * * * ?", Table = "t", TimestampColumn = "aae036", KeyColumn = "id",
            ChunkRows = 7, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
        };

        Assert.Equal(40, (await engine.RunAsync(dataset, default)).Rows);
        var staged = await StagedLinesAsync(staging, "F");
        Assert.Equal(await GenericLinesAsync(source, "SELECT * FROM t ORDER BY aae036, id"), staged);
        Assert.Contains("\"txt\":\"张伟 <&>+3\"", staged[2], StringComparison.Ordinal);             // fast path: nothing to escape
        Assert.Contains("\"txt\":\"张\\\"伟\\\"\\n\\\\1\"", staged[0], StringComparison.Ordinal); // left to the writer
    }

    [PostgresFact]
    public async Task Extract_WritesNumericsExactlyAsStored_EvenWhereADecimalCannotHoldThem_WithANumericKeyAsWatermark()
    {
        var source = await cluster.CreateDatabaseAsync("numerics");
        await ExecuteAsync(source, """
            CREATE TABLE t (id numeric(20) PRIMARY KEY, amount numeric, label text, aae036 timestamp NOT NULL);
            INSERT INTO t VALUES
              (10000000000000000001, 'NaN', 'a😀b', '2026-11-01 08:00:00'),
              (10000000000000000002, 'Infinity', E'tab\there', '2026-11-01 08:00:00'),
              (10000000000000000003, '-Infinity', '张三', '2026-11-01 08:00:00'),
              (10000000000000000004, 0.000000000000000000000000000001, NULL, '2026-11-01 08:00:01'),
              (10000000000000000005, 12345678901234567890123456789012345.000100, '"quoted"', '2026-11-01 08:00:01'),
              (10000000000000000006, NULL, E'line\nbreak', '2026-11-01 08:00:02'),
              (10000000000000000007, -240.50, '', '2026-11-01 08:00:02');
            """);

        var (engine, staging, _) = await EngineAsync(source, "numerics.db");
        var dataset = new DatasetOptions
        {
            Name = "N", Source = "prod", Cron = "0 * * * * ?", Table = "t", TimestampColumn = "aae036", KeyColumn = "id",
            ChunkRows = 2, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1), // chunks of 2 split the ties
        };

        var result = await engine.RunAsync(dataset, default);
        Assert.Equal(7, result.Rows);
        Assert.Equal(4, result.Chunks);

        var staged = await StagedLinesAsync(staging, "N");
        Assert.Equal(
            [
                "{\"id\":10000000000000000001,\"amount\":\"NaN\",\"label\":\"a\\uD83D\\uDE00b\",\"aae036\":\"2026-11-01T08:00:00.0000000+08:00\"}",
                "{\"id\":10000000000000000002,\"amount\":\"Infinity\",\"label\":\"tab\\there\",\"aae036\":\"2026-11-01T08:00:00.0000000+08:00\"}",
                "{\"id\":10000000000000000003,\"amount\":\"-Infinity\",\"label\":\"张三\",\"aae036\":\"2026-11-01T08:00:00.0000000+08:00\"}",
                "{\"id\":10000000000000000004,\"amount\":0.000000000000000000000000000001,\"label\":null,\"aae036\":\"2026-11-01T08:00:01.0000000+08:00\"}",
                "{\"id\":10000000000000000005,\"amount\":12345678901234567890123456789012345.000100,\"label\":\"\\\"quoted\\\"\",\"aae036\":\"2026-11-01T08:00:01.0000000+08:00\"}",
                "{\"id\":10000000000000000006,\"amount\":null,\"label\":\"line\\nbreak\",\"aae036\":\"2026-11-01T08:00:02.0000000+08:00\"}",
                "{\"id\":10000000000000000007,\"amount\":-240.50,\"label\":\"\",\"aae036\":\"2026-11-01T08:00:02.0000000+08:00\"}",
            ],
            staged);

        // The text column's JSON is what the generic path writes for it.
        var generic = await GenericLinesAsync(source, "SELECT id, label FROM t ORDER BY aae036, id");
        Assert.Equal(generic, staged.Select(line => JsonSerializer.Deserialize<JsonElement>(line)).Select(Reencode).ToList());
    }

    [PostgresFact]
    public async Task Extract_ReadsInASessionWithoutParallelWorkersOrJit_ThatThePoolResetsAfterTheRun()
    {
        var source = await cluster.CreateDatabaseAsync("session");
        await ExecuteAsync(source, """
            CREATE TABLE t (id bigint PRIMARY KEY, aae036 timestamp NOT NULL);
            INSERT INTO t SELECT g, timestamp '2026-11-01 08:00:00' + g * interval '1 second' FROM generate_series(1, 3) AS g;
            """);

        var (engine, staging, connector) = await EngineAsync(source, "session.db");
        var dataset = new DatasetOptions
        {
            Name = "S", Source = "prod", Cron = "0 * * * * ?", TimestampColumn = "aae036", KeyColumn = "id",
            Query = "SELECT id, aae036, current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS workers FROM t WHERE {keyset}",
            ChunkRows = 10, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
        };

        Assert.Equal(3, (await engine.RunAsync(dataset, default)).Rows);
        Assert.All(await StagedLinesAsync(staging, "S"), line => Assert.Contains("\"jit\":\"off\",\"workers\":\"0\"", line, StringComparison.Ordinal));

        // The next user of the pooled connection (a load probe, say) gets the server's settings back.
        await using var again = await connector.OpenAsync("prod", default);
        await using var command = again.CreateCommand();
        command.CommandText = "SELECT current_setting('max_parallel_workers_per_gather')";
        Assert.NotEqual("0", (string?)await command.ExecuteScalarAsync());
    }

    // The engine over a fresh SQLite staging file, reading source "prod" (the connection string) through the connector.
    private async Task<(ExtractionEngine Engine, TestStaging Staging, SourceConnector Connector)> EngineAsync(string source, string stagingFile)
    {
        var staging = TestStaging.Sqlite($"Data Source={_folder.File(stagingFile)}", TimeProvider.System);
        await staging.MigrateAsync(default);
        var options = new ExchangeOptions { Sources = { ["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = Beijing } } };
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        return (new ExtractionEngine(staging.Batches, new AlwaysOpenLoadGate(), connector, new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance), TimeProvider.System, NullLogger<ExtractionEngine>.Instance), staging, connector);
    }

    private static async Task<List<string>> StagedLinesAsync(TestStaging staging, string dataset)
    {
        var staged = new List<string>();
        foreach (var header in await staging.GetBatchHeadersAfterAsync(dataset, 0, 100, default))
        {
            staged.AddRange(StagedRows.Decode((await staging.Batches.GetBatchAsync(header.BatchId, default))!.Payload, header));
        }

        return staged;
    }

    // The id and label of a staged line, written the way GenericLinesAsync writes them (id as a decimal, label through JsonCell).
    private static string Reencode(JsonElement row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonCell.PayloadEncoder }))
        {
            json.WriteStartObject();
            json.WritePropertyName("id");
            JsonCell.Write(json, row.GetProperty("id").GetDecimal());
            json.WritePropertyName("label");
            JsonCell.Write(json, row.GetProperty("label").GetString(), Beijing);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The generic path as it was before typed reads: every value boxed and written by <see cref="JsonCell"/>.</summary>
    private static async Task<List<string>> GenericLinesAsync(string connectionString, string sql)
    {
        var options = new JsonWriterOptions { Encoder = JsonCell.PayloadEncoder };
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartObject();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    json.WritePropertyName(reader.GetName(i));
                    JsonCell.Write(json, reader.IsDBNull(i) ? null : reader.GetValue(i), Beijing);
                }

                json.WriteEndObject();
            }

            lines.Add(Encoding.UTF8.GetString(buffer.ToArray()));
        }

        return lines;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => _folder.Dispose();
}
