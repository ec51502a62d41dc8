using Exchange.Core.Configuration;
using Exchange.Core.Deletes;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>The real daemon with <c>"Deletes": "Reconcile"</c> in schedule.json, reading a real PostgreSQL source.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DeleteReconcileDaemonTests(PostgresCluster cluster) : IDisposable
{
    private readonly TestConfig _config = new();

    private string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    [PostgresFact]
    public async Task Daemon_StagesTombstonesForRowsDeletedAtTheSource_AfterItsExtractionCaughtUp()
    {
        var source = await cluster.CreateDatabaseAsync("deletes");
        await PostgresSourceConfig.CreateTableAsync(source, 3000);
        PostgresSourceConfig.Apply(_config, source, chunkRows: 500, sampleInterval: TimeSpan.FromMilliseconds(200));
        var dataset = _config.Schedule["Datasets"]![0]!;
        dataset["Deletes"] = DeleteModes.Reconcile;
        dataset["ReconcileEvery"] = "00:00:01";
        await using var daemon = ExchangeProcess.Start("run", "--config", _config.Write());

        await PostgresSourceDaemonTests.WaitForAsync(async () => await ScalarAsync("SELECT COUNT(*) FROM staged_keys WHERE dataset = $d") == 3000, "every key indexed", daemon);
        await LongTransactionSource.ExecuteAsync(source, "DELETE FROM ac43 WHERE aaz223 % 100 = 42");
        await PostgresSourceDaemonTests.WaitForAsync(
            async () => await ScalarAsync("SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = $d AND origin = 3") == 30, "30 tombstones", daemon);
        Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(30)));

        var staged = await StagedRows.ReadAllAsync(TestStaging.Sqlite($"Data Source={StagingFile}", TimeProvider.System), "AC43");
        var tombstoned = staged.Where(r => r.TryGetProperty(PayloadKeys.OperationField, out _)).Select(r => r.GetProperty("aaz223").GetInt64());
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 100 + 42L), tombstoned.Order());
        Assert.Equal(2970, await ScalarAsync("SELECT COUNT(*) FROM staged_keys WHERE dataset = $d"));
    }

    private Task<long> ScalarAsync(string sql) => StagedRows.ScalarAsync(StagingFile, sql, "AC43");

    public void Dispose() => _config.Dispose();
}
