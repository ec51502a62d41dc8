using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Host;

/// <summary>The source PostgreSQL goes down in the middle of an extraction (its own cluster, since the test stops it).</summary>
public sealed class SourceOutageTests : IAsyncLifetime
{
    private const int Rows = 40_000;
    private readonly PostgresCluster _cluster = new();
    private readonly TestConfig _config = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    [PostgresFact]
    public async Task SourceStoppedMidExtraction_LogsAClearError_KeepsServing_DoesNotSpin_AndCompletesExactlyOnceWhenItReturns()
    {
        var source = await _cluster.CreateDatabaseAsync("outage");
        await PostgresSourceConfig.CreateTableAsync(source, Rows);
        PostgresSourceConfig.Apply(_config, source, chunkRows: 200, sampleInterval: TimeSpan.FromSeconds(1));
        await using var daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
        await PostgresSourceDaemonTests.WaitForAsync(async () => await StagedBatchesAsync() >= 3, "three chunks", daemon);

        await _cluster.StopAsync();
        Assert.True(await StagedRowsAsync() < Rows, "the source must stop in the middle of the extraction");
        var gateLine = await daemon.WaitForLineAsync("Load gate of source prod: Idle -> Busy: busy: postgres.active_backends failed:", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("   at ", gateLine, StringComparison.Ordinal);

        // Still serving insurers while the source is down.
        using (var client = new SoapClient(_config.ServiceUrl, "demo-insurer", "demo-insurer-password"))
        {
            var poll = await client.CallOkAsync("Poll", ("Dataset", "AC43"));
            Assert.NotEmpty(poll.Elements(SoapClient.Ns + "Batch"));
        }

        // No spinning: with the gate busy the jobs fire every second but do not reach for the source.
        var failuresBefore = Count(daemon, "Extraction AC43 failed");
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.True(Count(daemon, "Extraction AC43 failed") - failuresBefore <= 1, $"extraction kept failing while the gate was busy:\n{daemon.Output}");
        Assert.True(Count(daemon, "Load gate of source prod:") <= 3, $"the gate must log its transition once, not every sample:\n{daemon.Output}");

        await _cluster.StartAsync();
        await daemon.WaitForLineAsync("Load gate of source prod: Busy -> Idle", TimeSpan.FromSeconds(30));
        await PostgresSourceDaemonTests.WaitForAsync(async () => await StagedRowsAsync() >= Rows, "every source row", daemon);
        Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(30)));

        var staged = (await StagedRows.ReadAllAsync(TestStaging.Sqlite($"Data Source={StagingFile}", TimeProvider.System), "AC43"))
            .Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, Rows).Select(i => (long)i), staged);
    }

    private string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    private static int Count(ExchangeProcess daemon, string text) => daemon.Output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    private Task<long> StagedBatchesAsync() => ScalarAsync("SELECT COUNT(*) FROM batches WHERE dataset = 'AC43'");

    private Task<long> StagedRowsAsync() => ScalarAsync("SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = 'AC43'");

    private async Task<long> ScalarAsync(string sql)
    {
        if (!File.Exists(StagingFile))
        {
            return 0;
        }

        await using var connection = new SqliteConnection($"Data Source={StagingFile};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    public async Task DisposeAsync()
    {
        _config.Dispose();
        await _cluster.DisposeAsync();
    }
}
