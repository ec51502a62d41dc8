using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>The real extraction engine in process: a PostgreSQL source <c>prod</c> at +08:00, a new SQLite staging file, the gate always open.</summary>
public static class PostgresSourceEngine
{
    /// <summary>An engine reading <paramref name="sourceConnectionString"/> into a migrated SQLite store at <paramref name="stagingFile"/>.</summary>
    public static (ExtractionEngine Engine, TestStaging Staging) Create(string sourceConnectionString, string stagingFile, ILogger<ExtractionEngine>? logger = null)
    {
        var options = new ExchangeOptions
        {
            Sources = { ["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = sourceConnectionString, TimeZoneOffset = TimeSpan.FromHours(8) } },
        };
        var staging = TestStaging.Sqlite($"Data Source={stagingFile}", TimeProvider.System);
        staging.MigrateAsync(default).GetAwaiter().GetResult();
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        var retry = new ChunkStoreRetry(TimeProvider.System, NullLogger<ChunkStoreRetry>.Instance);
        return (new ExtractionEngine(staging.Batches, new AlwaysOpenLoadGate(), connector, retry, TimeProvider.System, logger ?? NullLogger<ExtractionEngine>.Instance), staging);
    }
}
