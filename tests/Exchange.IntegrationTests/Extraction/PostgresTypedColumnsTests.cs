using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
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

        var staging = new SqliteStagingStore($"Data Source={_folder.File("staging.db")}", TimeProvider.System);
        await staging.MigrateAsync(default);
        var options = new ExchangeOptions { Sources = { ["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = Beijing } } };
        var connector = new SourceConnector(new SourceProviderRegistry(null), new StaticOptionsMonitor<ExchangeOptions>(options));
        var engine = new ExtractionEngine(staging, new AlwaysOpenLoadGate(), connector, TimeProvider.System, NullLogger<ExtractionEngine>.Instance);
        var dataset = new DatasetOptions
        {
            Name = "T", Source = "prod", Cron = "0 * * * * ?", Table = "t", TimestampColumn = "aae036", KeyColumn = "id",
            ChunkRows = 3, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1), // chunks of 3 split every run of 8 ties
        };

        var result = await engine.RunAsync(dataset, default);
        Assert.Equal(40, result.Rows);

        var staged = new List<string>();
        foreach (var header in await staging.GetBatchHeadersAfterAsync("T", 0, 100, default))
        {
            staged.AddRange(StagedRows.Decode((await staging.GetBatchAsync(header.BatchId, default))!.Payload, header));
        }

        var generic = await GenericLinesAsync(source, "SELECT * FROM t ORDER BY aae036, id");
        Assert.Equal(generic, staged);
        Assert.Contains("\"n\":-6.13,\"n_free\":0.000,", staged[0], StringComparison.Ordinal); // (37 - 700) / 100 + 0.50; -0.000 keeps its scale
        Assert.Contains("\"f8\":\"NaN\"", staged[0], StringComparison.Ordinal);
        Assert.Contains("\"i4\":null", staged[4], StringComparison.Ordinal);
    }

    /// <summary>The generic path as it was before typed reads: every value boxed and written by <see cref="JsonCell"/>.</summary>
    private static async Task<List<string>> GenericLinesAsync(string connectionString, string sql)
    {
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
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
