using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Host;

/// <summary>The real daemon extracting from a real PostgreSQL source, killed with -9 again and again.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSourceDaemonTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();

    private string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    [PostgresFact]
    public async Task KillDashNine_TwentyTimesAtRandomMomentsOfAnExtraction_StagesEverySourceRowExactlyOnce()
    {
        const int Kills = 20;
        var source = await cluster.CreateDatabaseAsync("killed");
        await PostgresSourceConfig.CreateTableAsync(source, 20_000);
        PostgresSourceConfig.Apply(_config, source, chunkRows: 100, sampleInterval: TimeSpan.FromMilliseconds(200));
        var configDirectory = _config.Write();
        var random = new Random(20261122);

        for (var kill = 0; kill < Kills; kill++)
        {
            var before = await StagedBatchesAsync();
            await using var daemon = ExchangeProcess.Start("run", "--config", configDirectory);
            // Killed once this run has committed a chunk, at a random moment of the chunks after it.
            await WaitForAsync(async () => await StagedBatchesAsync() > before, $"a chunk in run {kill + 1}", daemon);
            await Task.Delay(random.Next(0, 300));
            await daemon.KillHardAsync();
            await PostgresSourceConfig.AppendRowsAsync(source, 300); // the source keeps changing between the crashes
        }

        var sourceKeys = await PostgresSourceConfig.KeysAsync(source);
        await using (var last = ExchangeProcess.Start("run", "--config", configDirectory))
        {
            await WaitForAsync(async () => await StagedRowsAsync() >= sourceKeys.Count, "every source row", last);
            Assert.Equal(0, await last.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var staged = (await StagedRows.ReadAllAsync(TestStaging.Sqlite($"Data Source={StagingFile}", TimeProvider.System), "AC43"))
            .Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        Assert.Equal(sourceKeys.Count, staged.Count);
        Assert.Equal(sourceKeys, staged.Order());
    }

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
            return 0; // schema not created yet
        }
    }

    internal static async Task WaitForAsync(Func<Task<bool>> condition, string what, ExchangeProcess daemon)
    {
        for (var i = 0; i < Wait.TotalMilliseconds / 20; i++)
        {
            if (await condition())
            {
                return;
            }

            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"exchange exited with {daemon.ExitCode} while waiting for {what}. Output:\n{daemon.Output}");
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Timed out waiting for {what}. Output:\n{daemon.Output}");
    }

    public void Dispose() => _config.Dispose();
}
