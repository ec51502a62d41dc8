using System.Diagnostics;
using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Exchange.Benchmarks;

/// <summary>
/// Exchange's own engine and gate, in one process, extracting the <c>ac43</c> table from an idle PostgreSQL source
/// into durable staging: rows per second and the process's peak resident memory.
/// </summary>
internal static class IdleExtraction
{
    // MAX_CHUNK_ROWS (default 20,000, the shipped schedule's figure) lets the script compare chunk sizes.
    private static int MaxChunkRows() =>
        int.TryParse(Environment.GetEnvironmentVariable("MAX_CHUNK_ROWS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rows) && rows > 0 ? rows : 20_000;

    public static async Task<int> RunAsync(string source, string stagingProvider, string stagingConnectionString, long expectedRows)
    {
        var exchange = new ExchangeOptions { DataDirectory = Path.GetTempPath() };
        exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
            ChunkRows = 1000, TargetChunkTime = TimeSpan.FromMilliseconds(500), MaxChunkRows = MaxChunkRows(), SafetyLag = TimeSpan.FromSeconds(1),
            Deletes = Environment.GetEnvironmentVariable("DELETES") ?? DeleteModes.Off, // DELETES=Reconcile: each batch also writes its keys to the key index
        };
        var schedule = new ScheduleOptions { Datasets = [dataset] };
        schedule.Load.Sources["prod"] = new SourceLoadOptions
        {
            Probes = [new ProbeOptions { Kind = "postgres.active_backends", Busy = 2, Idle = 1 }],
            SampleInterval = TimeSpan.FromMilliseconds(250),
            IdleSamplesToReopen = 1,
        };

        var staging = StagingStoreFactory.Create(new StagingOptions { Provider = stagingProvider, ConnectionString = stagingConnectionString }, TimeProvider.System);
        await staging.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(exchange));
        using var http = new HttpClient();
        var gate = new LoadGate(new StaticOptionsMonitor<ScheduleOptions>(schedule), new StaticOptionsMonitor<ExchangeOptions>(exchange), new LoadProbeFactory(connector, http),
            new LoadSampleStore(staging), TimeProvider.System, NullLogger<LoadGate>.Instance);
        var engine = new ExtractionEngine(new BatchStore(staging, TimeProvider.System), gate, connector, new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance), TimeProvider.System, NullLogger<ExtractionEngine>.Instance);
        using var stop = new CancellationTokenSource();
        var sampling = gate.RunAsync(stop.Token);

        while ((await gate.CheckAsync("prod", default)).State != GateState.Idle)
        {
            await Task.Delay(50);
        }

        var clock = Stopwatch.StartNew();
        long rows = 0;
        while (rows < expectedRows)
        {
            var result = await engine.RunAsync(dataset, default);
            rows += result.Rows;
            if (result.StopReason == ExtractionStopReason.CaughtUp && result.Rows == 0)
            {
                break;
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        try
        {
            await sampling;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        using var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"extract staging={stagingProvider} rows={rows} seconds={seconds:F2} rows_per_second={rows / seconds:F0} peak_rss_mb={self.PeakWorkingSet64 / (1024.0 * 1024.0):F0}"));
        (staging as IDisposable)?.Dispose();
        return rows == expectedRows ? 0 : 1;
    }
}
