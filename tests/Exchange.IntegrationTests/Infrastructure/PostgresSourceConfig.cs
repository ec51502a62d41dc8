using System.Text.Json.Nodes;
using Npgsql;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>A test daemon reading an <c>AC43</c>-like table from a PostgreSQL source, with the load gate measuring it.</summary>
public static class PostgresSourceConfig
{
    /// <summary>Creates <c>ac43</c> with <paramref name="rows"/> rows whose timestamps are well past the safety lag.</summary>
    public static Task CreateTableAsync(string connectionString, int rows) => ExecuteAsync(connectionString, $"""
        CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac001 bigint NOT NULL, aae022 numeric(14,2) NOT NULL, aae036 timestamp without time zone NOT NULL);
        CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
        INSERT INTO ac43 SELECT g, 1000 + g % 97, (g % 100000) / 100.0, timestamp '2026-11-01 08:00:00' + (g / 5) * interval '1 second'
        FROM generate_series(1, {rows}) AS g;
        """);

    /// <summary>Adds rows after the existing ones, stamped a minute ago in the source's time (+08:00).</summary>
    public static async Task AppendRowsAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO ac43 SELECT m + g, 1, 1.00, @ts FROM generate_series(1, @rows) AS g, (SELECT COALESCE(MAX(aaz223), 0) AS m FROM ac43) AS last
            """, connection);
        command.Parameters.AddWithValue("ts", DateTime.SpecifyKind(DateTime.UtcNow.AddHours(8).AddMinutes(-1), DateTimeKind.Unspecified));
        command.Parameters.AddWithValue("rows", rows);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every key of the source table, ascending.</summary>
    public static async Task<List<long>> KeysAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT aaz223 FROM ac43 ORDER BY aaz223", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<long>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }

    /// <summary>Points the daemon at the source: demo off, no request types, one dataset AC43 every second, the active-backends probe.</summary>
    public static void Apply(TestConfig config, string connectionString, int chunkRows, TimeSpan sampleInterval)
    {
        config.Exchange["Demo"]!["Enabled"] = false;
        config.Exchange["Sources"] = new JsonObject
        {
            ["prod"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = connectionString, ["TimeZoneOffset"] = "08:00:00" },
        };
        config.Schedule["Datasets"] = new JsonArray(new JsonObject
        {
            ["Name"] = "AC43", ["Source"] = "prod", ["Cron"] = "0/1 * * * * ?", ["Table"] = "ac43",
            ["TimestampColumn"] = "aae036", ["KeyColumn"] = "aaz223", ["ChunkRows"] = chunkRows, ["TargetChunkTime"] = "00:00:00", ["SafetyLag"] = "00:00:01",
        });
        config.Schedule.Remove("RequestTypes"); // the shipped request types read the demo source, which is not configured here
        config.Schedule["Load"] = new JsonObject
        {
            ["Sources"] = new JsonObject
            {
                ["prod"] = new JsonObject
                {
                    ["Probes"] = new JsonArray(new JsonObject { ["Kind"] = "postgres.active_backends", ["Busy"] = 50, ["Idle"] = 40 }),
                    ["SampleInterval"] = sampleInterval.ToString(),
                    ["IdleSamplesToReopen"] = 1,
                },
            },
        };
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
