using System.Diagnostics;
using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Deletes;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.Benchmarks;

/// <summary>
/// What a delete reconciliation pass costs: the <c>ac43</c> table is extracted with <c>"Deletes": "Reconcile"</c> (SQLite
/// staging, gate always open), 1,000 random rows are deleted at the source, and one pass is timed. The source rows it read
/// are PostgreSQL's own counts for the table (sequential tuples read plus index tuples read) over the pass, per staged key.
/// </summary>
internal static class Reconcile
{
    private const int Deleted = 1000;

    public static async Task<int> RunAsync(string source, long tableRows)
    {
        var exchange = new ExchangeOptions { DataDirectory = Path.GetTempPath() };
        exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
            ChunkRows = 1000, TargetChunkTime = TimeSpan.FromMilliseconds(500), MaxChunkRows = 20_000, SafetyLag = TimeSpan.FromSeconds(1),
            Deletes = DeleteModes.Reconcile,
        };
        var stagingFile = Path.Combine(Path.GetTempPath(), $"exchange-reconcile-{Guid.NewGuid():N}.db");
        var staging = new SqliteStagingDatabase($"Data Source={stagingFile}", TimeProvider.System);
        await staging.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(exchange));
        var retry = new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance);
        var batches = new BatchStore(staging, TimeProvider.System);
        var engine = new ExtractionEngine(batches, new AlwaysOpenLoadGate(), connector, retry, TimeProvider.System, NullLogger<ExtractionEngine>.Instance);
        var keys = new KeyIndexStore(staging, TimeProvider.System);
        var reconciler = new DeleteReconciler(batches, keys, new AlwaysOpenLoadGate(), connector, retry, TimeProvider.System, NullLogger<DeleteReconciler>.Instance);

        var (loaded, loadSeconds) = await XminScan.TimedRunAsync(engine, dataset);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reconcile-load rows={loaded} seconds={loadSeconds:F2} rows_per_second={loaded / loadSeconds:F0}"));
        var staged = await keys.CountAsync(dataset.Name, default);
        await ScalarAsync(source, $"WITH d AS (DELETE FROM ac43 WHERE aaz223 IN (SELECT aaz223 FROM ac43 ORDER BY random() LIMIT {Deleted}) RETURNING 1) SELECT count(*) FROM d");

        NpgsqlConnection.ClearAllPools(); // the extraction's sessions report what they read before the count starts
        var before = await TuplesReadAsync(source);
        var clock = Stopwatch.StartNew();
        var pass = await reconciler.RunAsync(dataset, null, default);
        var seconds = clock.Elapsed.TotalSeconds;

        // A server session reports its counts when it ends: the pass's pooled connections are closed.
        NpgsqlConnection.ClearAllPools();
        var read = await TuplesReadAsync(source) - before;

        staging.Dispose();
        File.Delete(stagingFile);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"reconcile keys={staged} deleted_found={pass.Deleted} seconds={seconds:F2} source_rows_read_per_key={(double)read / staged:F2}"));
        return loaded == tableRows && staged == tableRows && pass.Deleted == Deleted ? 0 : 1;
    }

    /// <summary>The table's tuples read so far: sequential scans plus index entries, as PostgreSQL counts them.</summary>
    /// <remarks>A server session reports its counts when it ends, or when it goes idle at most every 10 s.</remarks>
    private static async Task<long> TuplesReadAsync(string source)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        return await ScalarAsync(source, """
            SELECT COALESCE(t.seq_tup_read, 0) + COALESCE((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)
            FROM pg_stat_user_tables t WHERE t.relname = 'ac43'
            """);
    }

    private static async Task<long> ScalarAsync(string source, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(source) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
