using System.Text.Json;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Host;

/// <summary>kill -9 of the real daemon in the middle of an extraction loses nothing and repeats nothing.</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private static readonly (string Table, string Key)[] Datasets = [("AC01", "AAC001"), ("AC43", "AAZ223"), ("KC24", "AKC190")];
    private readonly TestConfig _config = new();

    [Fact]
    public async Task KillDashNineMidExtraction_ThenRestart_StagesEverySourceRowExactlyOnce()
    {
        _config.Exchange["Demo"]!["SeedPersons"] = 4000;          // AC43: 12,000 rows, read 50 at a time
        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00.200";
        _config.Exchange["Demo"]!["RowsPerInsert"] = 10;           // the source keeps changing throughout
        foreach (var dataset in _config.Schedule["Datasets"]!.AsArray())
        {
            dataset!["Cron"] = "0/1 * * * * ?";
            dataset["ChunkRows"] = 50;
            dataset["TargetChunkTime"] = "00:00:00";                // fixed chunks: many commits for the kill to land between
            dataset["SafetyLag"] = "00:00:00.500";
        }

        var configDirectory = _config.Write();
        var stagingFile = Path.Combine(_config.DataDirectory, "staging.db");

        // First run: killed as soon as the big table's third chunk is committed.
        await using (var first = ExchangeProcess.Start("run", "--config", configDirectory))
        {
            await first.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
            await WaitForAsync(async () => (await StagedBatchesAsync(stagingFile, "AC43")) >= 3, TimeSpan.FromSeconds(60), "three AC43 batches");
            await first.KillHardAsync();
        }

        var rowsAtKill = await StagedRowCountAsync(stagingFile, "AC43");
        Assert.True(rowsAtKill < 12_000, $"the kill must land mid-extraction, but {rowsAtKill} AC43 rows were already staged");

        // Second run: picks up from the committed watermark, then stops cleanly once every dataset caught up.
        await using (var second = ExchangeProcess.Start("run", "--config", configDirectory))
        {
            foreach (var (table, _) in Datasets)
            {
                await second.WaitForLineAsync($"Extraction {table}: ", TimeSpan.FromSeconds(90));
            }

            await WaitForAsync(async () => (await StagedRowCountAsync(stagingFile, "AC43")) >= 12_000, TimeSpan.FromSeconds(90), "all seeded AC43 rows");
            Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var store = TestStaging.Sqlite($"Data Source={stagingFile}", TimeProvider.System);
        foreach (var (table, key) in Datasets)
        {
            await AssertExactlyOnceAsync(store, table, key);
        }
    }

    private async Task AssertExactlyOnceAsync(TestStaging store, string table, string keyColumn)
    {
        var staged = (await StagedRows.ReadAllAsync(store, table)).Select(row => (Key: KeyOf(row.GetProperty(keyColumn)), Ts: row.GetProperty("AAE036").GetString()!)).ToList();
        var duplicates = staged.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"{table}: {duplicates.Count} row versions staged twice, e.g. {string.Join(", ", duplicates.Take(3))}");

        var state = await store.Batches.GetDatasetStateAsync(table, default);
        var watermark = Watermark.Parse(state.Watermark!);
        var (watermarkTs, watermarkKey) = ((string)watermark.Timestamp, KeyOf(watermark.Key!));
        var source = await SourceRowsAsync(table, keyColumn);
        var stagedSet = staged.ToHashSet();
        var upToWatermark = source.Where(r => Compare(r, (watermarkKey, watermarkTs)) <= 0).ToList();
        var missing = upToWatermark.Where(r => !stagedSet.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"{table}: {missing.Count} source rows at or before the watermark are not staged, e.g. {string.Join(", ", missing.Take(3))}");
        Assert.True(upToWatermark.Count > 0, $"{table}: nothing was extracted");

        // What is staged but no longer in the source is an earlier version of a row that was updated since.
        var latest = source.ToDictionary(r => r.Key, r => r.Ts);
        var stale = staged.Where(r => !source.Contains(r)).Where(r => !latest.TryGetValue(r.Key, out var ts) || string.CompareOrdinal(ts, r.Ts) <= 0).ToList();
        Assert.True(stale.Count == 0, $"{table}: {stale.Count} staged rows match no source row nor an earlier version of one");
    }

    private static int Compare((string Key, string Ts) row, (string Key, string Ts) watermark)
    {
        var byTs = string.CompareOrdinal(row.Ts, watermark.Ts);
        if (byTs != 0)
        {
            return byTs;
        }

        return long.TryParse(row.Key, out var a) && long.TryParse(watermark.Key, out var b) ? a.CompareTo(b) : string.CompareOrdinal(row.Key, watermark.Key);
    }

    private static string KeyOf(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : value.GetString()!;

    private static string KeyOf(object value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;

    private async Task<HashSet<(string Key, string Ts)>> SourceRowsAsync(string table, string keyColumn)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "demo-source.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {keyColumn}, AAE036 FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new HashSet<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!, reader.GetString(1)));
        }

        return rows;
    }

    private static async Task<long> StagedBatchesAsync(string stagingFile, string dataset) => await StagedRows.ScalarAsync(stagingFile, "SELECT COUNT(*) FROM batches WHERE dataset = $d", dataset);

    private static async Task<long> StagedRowCountAsync(string stagingFile, string dataset) => await StagedRows.ScalarAsync(stagingFile, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = $d", dataset);

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
    }

    public void Dispose() => _config.Dispose();
}
