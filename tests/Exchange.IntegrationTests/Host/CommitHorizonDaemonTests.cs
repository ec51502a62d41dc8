using System.Globalization;
using System.Text.Json.Nodes;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Host;

/// <summary>
/// The real daemon on a PostgreSQL source where long transactions are the normal case: killed with -9 again and again,
/// a timestamp dataset (with the commit horizon) and an xmin dataset over the same table stage every row exactly once;
/// and a transaction left open is named on the status page, in /metrics and in the log.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommitHorizonDaemonTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly string[] Datasets = ["AC43", "AC43X"];
    private readonly TestConfig _config = new();

    private string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    [PostgresFact]
    public async Task KillDashNine_TwentyTimesWhileTransactionsStayOpenFiveTimesTheSafetyLag_BothModesStageEveryRowExactlyOnce()
    {
        const int Kills = 20;
        const int Seed = 2_000; // staged within the first lives: the later ones read rows as new as the bounds allow
        var source = await cluster.CreateDatabaseAsync("horizonkill");
        await LongTransactionSource.CreateTableAsync(source, Seed);
        Configure(source, chunkRows: 50);
        var configDirectory = _config.Write();
        var random = new Random(20261206);

        // Throughout the kills: a row committed every 0.3 s, and one transaction after another held open 5 s (the lag is 1 s).
        using var stop = new CancellationTokenSource();
        var writer = LongTransactionSource.SteadyWriterAsync(source, TimeSpan.FromMilliseconds(300), stop.Token);
        var heldLoop = Task.Run(async () =>
        {
            var held = 0;
            while (!stop.IsCancellationRequested)
            {
                held += (await LongTransactionSource.HeldTransactionAsync(source, 50, TimeSpan.FromSeconds(5))).Count;
            }

            return held;
        });

        for (var kill = 0; kill < Kills; kill++)
        {
            var before = await StagedBatchesAsync();
            await using var daemon = ExchangeProcess.Start("run", "--config", configDirectory);
            // Killed once this life has committed a chunk, at a random moment of the chunks after it.
            await PostgresSourceDaemonTests.WaitForAsync(async () => await StagedBatchesAsync() > before, $"a chunk in life {kill + 1}", daemon);
            await Task.Delay(random.Next(0, 300));
            await daemon.KillHardAsync();
        }

        Assert.True(await StagedRowsAsync("AC43") >= Seed && await StagedRowsAsync("AC43X") >= Seed, "the lives got past the seed rows to the rows being written");
        await using var last = ExchangeProcess.Start("run", "--config", configDirectory);
        await Task.Delay(TimeSpan.FromSeconds(8)); // a life that is not killed, while the transactions go on
        await stop.CancelAsync();
        var heldRows = await heldLoop;
        var steadyRows = await writer;
        Assert.True(heldRows >= 50 * 4 && steadyRows > 50, $"the source kept changing during the kills ({heldRows} rows in long transactions, {steadyRows} one by one)");

        var sourceKeys = await LongTransactionSource.KeysAsync(source);
        foreach (var dataset in Datasets)
        {
            await PostgresSourceDaemonTests.WaitForAsync(async () => await StagedRowsAsync(dataset) >= sourceKeys.Count, $"every source row in {dataset}", last);
        }

        Assert.Equal(0, await last.TerminateAsync(TimeSpan.FromSeconds(30)));

        await using var store = TestStaging.Sqlite($"Data Source={StagingFile}", TimeProvider.System);
        foreach (var dataset in Datasets)
        {
            var staged = (await StagedRows.ReadAllAsync(store, dataset)).Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
            var twice = staged.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"{dataset}: {twice.Count} rows staged twice, e.g. {string.Join(", ", twice.Take(5))}");
            Assert.Equal(sourceKeys, staged.Order());
        }

        Assert.True(XminWatermark.IsXminText((await store.Batches.GetDatasetStateAsync("AC43X", default)).Watermark!));
    }

    [PostgresFact]
    public async Task TransactionLeftOpenPastMaxHorizonAge_IsNamedOnTheStatusPageInMetricsAndInTheLog_AndSafetyLagOnlyShowsAsARisk()
    {
        var source = await cluster.CreateDatabaseAsync("horizonidle");
        await LongTransactionSource.CreateTableAsync(source, 100);
        Configure(source, chunkRows: 1000);
        var datasets = _config.Schedule["Datasets"]!.AsArray();
        datasets[0]!["MaxHorizonAge"] = "00:00:02";
        datasets.Add(new JsonObject
        {
            ["Name"] = "AC43L", ["Source"] = "prod", ["Cron"] = "0/1 * * * * ?", ["Table"] = "ac43", ["TimestampColumn"] = "aae036",
            ["KeyColumn"] = "aaz223", ["SafetyLag"] = "00:00:01", ["CommitHorizon"] = "SafetyLagOnly",
        });
        var operatorUrl = _config.Exchange["Operator"]!["Urls"]!.GetValue<string>();
        _config.Exchange["Operator"]!["SnapshotInterval"] = "00:00:00.500";

        await using var forgotten = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(source) { ApplicationName = "forgotten-report" }.ConnectionString);
        await forgotten.OpenAsync();
        await using var transaction = await forgotten.BeginTransactionAsync();
        await using (var touch = new NpgsqlCommand("SELECT count(*) FROM ac43", forgotten, transaction))
        {
            await touch.ExecuteScalarAsync();
        }

        var pid = forgotten.ProcessID.ToString(CultureInfo.InvariantCulture);
        await using var daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        var line = await daemon.WaitForLineAsync("Dataset AC43 is waiting for a transaction open since", Wait);
        Assert.Contains($"session {pid}, user postgres, application forgotten-report", line, StringComparison.Ordinal);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(operatorUrl + "/metrics");
        Assert.Matches($"exchange_extraction_horizon_blocking\\{{[^}}]*dataset=\"AC43\"[^}}]*session=\"{pid}\"[^}}]*\\}} 1", metrics);
        Assert.Contains("application=\"forgotten-report\"", metrics, StringComparison.Ordinal);
        Assert.Matches("exchange_extraction_horizon_risk\\{[^}]*dataset=\"AC43L\"[^}]*reason=\"safety_lag_only\"[^}]*\\} 1", metrics);

        var page = await http.GetStringAsync(operatorUrl + "/");
        Assert.Matches($"<tr class=\"horizon-blocking warn\" data-dataset=\"AC43\">.*session {pid}, user postgres, application forgotten-report", page);
        Assert.Matches("<tr class=\"horizon-risk warn\" data-dataset=\"AC43L\">.*risk: CommitHorizon is SafetyLagOnly", page);

        await transaction.RollbackAsync();
        Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    // AC43: the timestamp watermark with the commit horizon (the default); AC43X: the xmin watermark, over the same table.
    private void Configure(string source, int chunkRows)
    {
        PostgresSourceConfig.Apply(_config, source, chunkRows, sampleInterval: TimeSpan.FromMilliseconds(200));
        var datasets = _config.Schedule["Datasets"]!.AsArray();
        var xmin = datasets[0]!.DeepClone().AsObject();
        xmin["Name"] = "AC43X";
        xmin["Watermark"] = "xmin";
        datasets.Add(xmin);
    }

    private Task<long> StagedBatchesAsync() => StagedRows.ScalarAsync(StagingFile, "SELECT COUNT(*) FROM batches", null);

    private Task<long> StagedRowsAsync(string dataset) => StagedRows.ScalarAsync(StagingFile, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = $d", dataset);

    public void Dispose() => _config.Dispose();
}
