using System.Diagnostics;
using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.Benchmarks;

/// <summary>
/// What an <c>xmin</c> dataset costs per run: PostgreSQL cannot index <c>xmin</c>, so every run reads the whole
/// <c>ac43</c> table once, however few rows changed. Times the first run (the full load), a run after another table's
/// transaction (nothing of ac43 to read), and a run after 1,000 rows changed, with Exchange's own engine (gate always open).
/// </summary>
internal static class XminScan
{
    public static async Task<int> RunAsync(string source, long tableRows)
    {
        var exchange = new ExchangeOptions { DataDirectory = Path.GetTempPath() };
        exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", KeyColumn = "aaz223", Watermark = WatermarkModes.Xmin,
            ChunkRows = 1000, TargetChunkTime = TimeSpan.FromMilliseconds(500), MaxChunkRows = 20_000,
        };
        var stagingFile = Path.Combine(Path.GetTempPath(), $"exchange-xmin-scan-{Guid.NewGuid():N}.db");
        var staging = new SqliteStagingDatabase($"Data Source={stagingFile}", TimeProvider.System);
        await staging.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(exchange));
        var engine = new ExtractionEngine(new BatchStore(staging, TimeProvider.System), new AlwaysOpenLoadGate(), connector, new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance),
            TimeProvider.System, NullLogger<ExtractionEngine>.Instance);

        var (loaded, loadSeconds) = await TimedRunAsync(engine, dataset);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"xmin-load rows={loaded} seconds={loadSeconds:F2} rows_per_second={loaded / loadSeconds:F0}"));

        // Another table's transaction moves the horizon: the next run has a window to read, and nothing of ac43 in it.
        await ExecuteAsync(source, "SELECT pg_current_xact_id()");
        var (none, emptySeconds) = await TimedRunAsync(engine, dataset);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"xmin-scan-unchanged table_rows={tableRows} rows={none} seconds={emptySeconds:F2} scanned_rows_per_second={tableRows / emptySeconds:F0}"));

        await ExecuteAsync(source, "UPDATE ac43 SET aae022 = aae022 + 1 WHERE aaz223 % 10000 = 7");

        var (changed, changedSeconds) = await TimedRunAsync(engine, dataset);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"xmin-scan table_rows={tableRows} changed_rows={changed} seconds={changedSeconds:F2} scanned_rows_per_second={tableRows / changedSeconds:F0}"));
        staging.Dispose();
        File.Delete(stagingFile);
        return loaded == tableRows && none == 0 ? 0 : 1;
    }

    private static async Task ExecuteAsync(string source, string sql)
    {
        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs the dataset until a run catches up: the rows stored and the seconds taken.</summary>
    internal static async Task<(long Rows, double Seconds)> TimedRunAsync(ExtractionEngine engine, DatasetOptions dataset)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0;
        ExtractionResult result;
        do
        {
            result = await engine.RunAsync(dataset, default);
            rows += result.Rows;
        }
        while (result.StopReason != ExtractionStopReason.CaughtUp);

        return (rows, clock.Elapsed.TotalSeconds);
    }
}
