using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;
using HostCli = Exchange.Host.Cli;
using HostConfig = Exchange.Host.Configuration;

namespace Exchange.IntegrationTests.Cli;

/// <summary>
/// <c>exchange backfill</c> and <c>exchange reset-watermark</c> through the real executable, on a real PostgreSQL source
/// and the SQLite staging file the daemon would use; the dataset was extracted in full before each test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BackfillAndResetWatermarkTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TestConfig _config = new();

    private string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    private static DatasetOptions Dataset => new()
    {
        Name = "AC43", Source = "prod", Cron = "0/1 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
        ChunkRows = 100, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
    };

    [PostgresFact]
    public async Task Backfill_StoresExactlyTheRangesSourceRows_AsNewBatchesOfOriginBackfill_AndLeavesTheWatermark()
    {
        var (source, staging, _) = await PrepareAsync();
        var before = await staging.Batches.GetDatasetStateAsync("AC43", default);
        var expected = await KeysAsync(source, "aae036 > timestamp '2026-11-01 08:01:00' AND aae036 <= timestamp '2026-11-01 08:02:00'");

        await using var backfill = ExchangeProcess.Start("backfill", "AC43", "--from", "2026-11-01T08:01:00+08:00", "--to", "2026-11-01 08:02", "--config", _config.ConfigDirectory);

        Assert.Equal(0, await backfill.WaitForExitAsync(Timeout));
        Assert.Contains($"{expected.Count} rows, stored as batches of origin backfill", backfill.Output, StringComparison.Ordinal);
        var headers = await staging.GetBatchHeadersAfterAsync("AC43", before.LastSeq, 1000, default);
        Assert.Equal(3, headers.Count);
        Assert.Equal(3, await StagedRows.ScalarAsync(StagingFile, $"SELECT COUNT(*) FROM batches WHERE dataset = $d AND seq > {before.LastSeq} AND origin = 2", "AC43"));
        var keys = new List<long>();
        foreach (var header in headers)
        {
            var batch = await staging.Batches.GetBatchAsync(header.BatchId, default);
            keys.AddRange(StagedRows.Decode(batch!.Payload, header).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("aaz223").GetInt64()));
        }

        Assert.Equal(expected, keys);
        Assert.Equal(before.Watermark, (await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark);
        // One row before the first batch (a backfill killed halfway still names its batches), one at the end.
        var audit = (await staging.ReadAuditAsync(DateTimeOffset.UnixEpoch, 10, default)).Where(a => a.Operation == "Backfill").OrderBy(a => a.At).ToList();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.Equal("ok", a.Outcome));
        Assert.Contains($"started, its batches are stored from seq {before.LastSeq + 1} on", audit[0].ObjectId, StringComparison.Ordinal);
        Assert.Contains($"3 batches (seq {before.LastSeq + 1} on), {expected.Count} rows", audit[1].ObjectId, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task ResetWatermark_WithYes_MovesItBack_AndTheNextRunExtractsWhatCameAfter()
    {
        var (source, staging, engine) = await PrepareAsync();
        var expected = await KeysAsync(source, "aae036 > timestamp '2026-11-01 08:03:00'");

        await using var reset = ExchangeProcess.Start("reset-watermark", "AC43", "--to", "2026-11-01T08:03:00+08:00", "--yes", "--config", _config.ConfigDirectory);

        Assert.Equal(0, await reset.WaitForExitAsync(Timeout));
        Assert.Contains("Dataset 'AC43': watermark moved back from", reset.Output, StringComparison.Ordinal);
        var watermark = Watermark.Parse((await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark!);
        Assert.Equal((object)new DateTime(2026, 11, 1, 8, 3, 0), watermark.Timestamp);
        Assert.Null(watermark.Key);
        Assert.Contains(await staging.ReadAuditAsync(DateTimeOffset.UnixEpoch, 10, default), a => a.Operation == "ResetWatermark" && a.Principal.StartsWith("operator:", StringComparison.Ordinal));

        var lastSeq = (await staging.Batches.GetDatasetStateAsync("AC43", default)).LastSeq;
        var again = await engine.RunAsync(Dataset, default);
        Assert.Equal(expected.Count, again.Rows);
        var rows = await StagedRows.ReadAllAsync(staging, "AC43");
        Assert.Equal(expected, rows.Skip(rows.Count - expected.Count).Select(r => r.GetProperty("aaz223").GetInt64()));
        Assert.True((await staging.Batches.GetDatasetStateAsync("AC43", default)).LastSeq > lastSeq);
    }

    [PostgresFact]
    public async Task BothRefuse_WhileAnotherProcessHoldsTheDataset()
    {
        var (_, staging, _) = await PrepareAsync();
        var before = await staging.Batches.GetDatasetStateAsync("AC43", default);
        var lease = await new DatasetLeases(staging.Database).TryTakeAsync("AC43", default);
        Assert.NotNull(lease);

        await using (lease)
        {
            await using var reset = ExchangeProcess.Start("reset-watermark", "AC43", "--to", "2026-11-01T08:03:00+08:00", "--yes", "--config", _config.ConfigDirectory);
            Assert.Equal(1, await reset.WaitForExitAsync(Timeout));
            Assert.Contains("Dataset 'AC43' is held by another process or node", reset.Output, StringComparison.Ordinal);

            await using var backfill = ExchangeProcess.Start("backfill", "AC43", "--from", "2026-11-01T08:01:00+08:00", "--to", "2026-11-01T08:02:00+08:00", "--config", _config.ConfigDirectory);
            Assert.Equal(1, await backfill.WaitForExitAsync(Timeout));
            Assert.Contains("'backfill' waits for nobody", backfill.Output, StringComparison.Ordinal);
        }

        Assert.Equal(before, await staging.Batches.GetDatasetStateAsync("AC43", default));
        await using var released = ExchangeProcess.Start("reset-watermark", "AC43", "--to", "2026-11-01T08:03:00+08:00", "--yes", "--config", _config.ConfigDirectory);
        Assert.Equal(0, await released.WaitForExitAsync(Timeout));
    }

    [PostgresFact]
    public async Task ResetWatermark_WithoutYesAndWithoutATerminal_Refuses_AndChangesNothing()
    {
        var (_, staging, _) = await PrepareAsync();
        var before = await staging.Batches.GetDatasetStateAsync("AC43", default);

        await using var reset = ExchangeProcess.Start("reset-watermark", "AC43", "--to", "2026-11-01T08:03:00+08:00", "--config", _config.ConfigDirectory);

        Assert.Equal(1, await reset.WaitForExitAsync(Timeout));
        Assert.Contains("there is no terminal to ask on. Add --yes to confirm in a script. Nothing was changed.", reset.Output, StringComparison.Ordinal);
        Assert.Equal(before, await staging.Batches.GetDatasetStateAsync("AC43", default));
    }

    [PostgresFact]
    public async Task ResetWatermark_OnPostgresStaging_WaitsForNoOtherNode_AndMovesOnlyOnceConfirmed()
    {
        var source = await cluster.CreateDatabaseAsync("reset");
        var stagingConnection = await cluster.CreateDatabaseAsync("staging");
        PostgresSourceConfig.Apply(_config, source, 100, TimeSpan.FromSeconds(1));
        _config.Exchange["Staging"] = new System.Text.Json.Nodes.JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = stagingConnection };
        var loaded = HostConfig.ExchangeConfiguration.Load(HostConfig.ConfigLocation.Find(_config.Write()));
        await using var staging = TestStaging.Postgres(stagingConnection, TimeProvider.System);
        await staging.MigrateAsync(default);
        var stored = Watermark.Create(new DateTime(2026, 11, 1, 8, 3, 20), 1000L).ToText();
        await staging.Batches.AppendBatchAsync(new NewBatch("AC43", 1, "jsonl+gzip", [1], new string('a', 64), null, stored, BatchOrigin.Extracted), default);

        // Another node's extraction run holds the dataset: its own connection to the store, its own session.
        await using (var otherNode = new PostgresStagingDatabase(stagingConnection, TimeProvider.System))
        {
            await using var held = await new DatasetLeases(otherNode).TryTakeAsync("AC43", default);
            Assert.NotNull(held);
            var (refused, _, refusedError) = await ResetInProcessAsync(loaded, staging, "yes");
            Assert.Equal(1, refused);
            Assert.Contains("Dataset 'AC43' is held by another process or node", refusedError, StringComparison.Ordinal);
        }

        // The question is asked before the lease is taken: while it waits for an answer, another node's run may take it.
        var asked = new LeaseTakingAnswer(stagingConnection, "no");
        var (declined, prompt, declinedError) = await ResetInProcessAsync(loaded, staging, asked);
        Assert.True(asked.LeaseFree);
        Assert.Equal(1, declined);
        Assert.Contains("Move the watermark back? Type 'yes' to confirm:", prompt, StringComparison.Ordinal);
        Assert.Contains("Not confirmed (answer was 'no', 'yes' confirms). Nothing was changed.", declinedError, StringComparison.Ordinal);
        Assert.Equal(stored, (await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark);

        var (confirmed, _, _) = await ResetInProcessAsync(loaded, staging, "yes");
        Assert.Equal(0, confirmed);
        Assert.Equal(Watermark.After(new DateTime(2026, 11, 1, 8, 1, 0)).ToText(), (await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark);
        Assert.Single(await staging.ReadAuditAsync(DateTimeOffset.UnixEpoch, 10, default), a => a.Operation == "ResetWatermark");
    }

    [PostgresFact]
    public async Task ResetWatermark_OfADatasetStoppedForItsKeyColumn_ForgetsItsKeyIndex_AndTellsTheOperatorWhatThatMeans()
    {
        var (loaded, staging) = await PostgresStagingAsync();
        await using var _ = staging;
        var stored = Watermark.Create(new DateTime(2026, 11, 1, 8, 3, 20), 1000L).ToText();
        await staging.Batches.AppendBatchAsync(
            new NewBatch("AC43", 1, "jsonl+gzip", [1], new string('a', 64), null, stored, BatchOrigin.Extracted, new KeyIndexChange(Staged: ["1000"])), default);
        await staging.Batches.RecordSchemaAsync("AC43", null, "stopped: the key column 'aaz223' of dataset 'AC43' changed type from bigint to text (source 'prod', table ac43)", default);

        var (exit, output, _) = await ResetInProcessAsync(loaded, staging, "yes");

        Assert.Equal(0, exit);
        Assert.Contains("its key index (the keys deletions are reconciled against) was forgotten", output, StringComparison.Ordinal);
        Assert.Contains("is not extracted again after --to 2026-11-01T08:01:00+08:00 is not found deleted until it is staged again", output, StringComparison.Ordinal);
        Assert.Equal(0, await staging.Keys.CountAsync("AC43", default));
    }

    [PostgresFact]
    public async Task ResetWatermark_OfAStoredWatermarkItCannotRead_SaysSo_WithIdentityNumbersMasked()
    {
        var (loaded, staging) = await PostgresStagingAsync();
        await using var _ = staging;
        const string Unreadable = "{\"t\":\"not a watermark\",\"k\":\"110101199003074514\"}";
        await staging.Batches.AppendBatchAsync(new NewBatch("AC43", 1, "jsonl+gzip", [1], new string('a', 64), null, Unreadable, BatchOrigin.Extracted), default);

        var (exit, _, error) = await ResetInProcessAsync(loaded, staging, new StringReader("yes\n"));

        Assert.Equal(1, exit);
        Assert.Contains("The stored watermark of dataset 'AC43' cannot be read", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("110101199003074514", error, StringComparison.Ordinal);
        Assert.Equal(Unreadable, (await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark);
    }

    [PostgresFact]
    public async Task TheDaemon_SkipsADatasetWhileAnOperatorCommandHoldsIt_AndExtractsItOnceReleased()
    {
        var source = await cluster.CreateDatabaseAsync("held");
        await PostgresSourceConfig.CreateTableAsync(source, 500);
        PostgresSourceConfig.Apply(_config, source, 100, TimeSpan.FromMilliseconds(200));
        var configDirectory = _config.Write();
        await using var staging = TestStaging.Sqlite($"Data Source={StagingFile}", TimeProvider.System);
        var lease = await new DatasetLeases(staging.Database).TryTakeAsync("AC43", default);
        Assert.NotNull(lease);

        await using var daemon = ExchangeProcess.Start("run", "--config", configDirectory);
        await daemon.WaitForLineAsync("Extraction AC43 skipped: the dataset is held by another process or node", Timeout);
        Assert.Equal(0, await StagedRows.ScalarAsync(StagingFile, "SELECT COUNT(*) FROM batches WHERE dataset = $d", "AC43"));

        await lease.DisposeAsync();
        await Host.PostgresSourceDaemonTests.WaitForAsync(
            async () => await StagedRows.ScalarAsync(StagingFile, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = $d", "AC43") == 500, "the 500 rows", daemon);
        Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task BadValues_AreRefused_NamingTheValueAndWhatIsAccepted()
    {
        PostgresSourceConfig.Apply(_config, "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing", 100, TimeSpan.FromSeconds(1));
        _config.Write();

        await using (var dataset = ExchangeProcess.Start("backfill", "XX99", "--from", "2026-11-01T08:01:00+08:00", "--to", "2026-11-01T08:02:00+08:00", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await dataset.WaitForExitAsync(Timeout));
            Assert.Contains("DATASET must name a dataset of schedule.json (AC43), was 'XX99'.", dataset.Output, StringComparison.Ordinal);
        }

        await using (var time = ExchangeProcess.Start("backfill", "AC43", "--from", "yesterday", "--to", "2026-11-01T08:02:00+08:00", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await time.WaitForExitAsync(Timeout));
            Assert.Contains("--from must be a date and time such as 2026-12-01T00:00:00+08:00", time.Output, StringComparison.Ordinal);
            Assert.Contains("was 'yesterday'.", time.Output, StringComparison.Ordinal);
        }

        await using (var order = ExchangeProcess.Start("backfill", "AC43", "--from", "2026-11-01T08:02:00+08:00", "--to", "2026-11-01T08:01:00+08:00", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await order.WaitForExitAsync(Timeout));
            Assert.Contains("--from must be before --to, was --from 2026-11-01T08:02:00.0000000+08:00 --to 2026-11-01T08:01:00.0000000+08:00.", order.Output, StringComparison.Ordinal);
        }

        await using (var help = ExchangeProcess.Start("reset-watermark", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(Timeout));
            Assert.Contains("--yes", help.Output, StringComparison.Ordinal);
            Assert.Contains("for an xmin dataset a transaction id", help.Output, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _config.Dispose();

    private async Task<(string Source, TestStaging Staging, ExtractionEngine Engine)> PrepareAsync()
    {
        var source = await cluster.CreateDatabaseAsync("backfill");
        await PostgresSourceConfig.CreateTableAsync(source, 1000);
        PostgresSourceConfig.Apply(_config, source, 100, TimeSpan.FromMilliseconds(200));
        _config.Write();
        var (engine, staging) = PostgresSourceEngine.Create(source, StagingFile);
        Assert.Equal(1000, (await engine.RunAsync(Dataset, default)).Rows);
        return (source, staging, engine);
    }

    // A configuration whose staging store is a new PostgreSQL database, and that store.
    private async Task<(HostConfig.LoadedConfiguration Loaded, TestStaging Staging)> PostgresStagingAsync()
    {
        var source = await cluster.CreateDatabaseAsync("reset");
        var stagingConnection = await cluster.CreateDatabaseAsync("staging");
        PostgresSourceConfig.Apply(_config, source, 100, TimeSpan.FromSeconds(1));
        _config.Exchange["Staging"] = new System.Text.Json.Nodes.JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = stagingConnection };
        var loaded = HostConfig.ExchangeConfiguration.Load(HostConfig.ConfigLocation.Find(_config.Write()));
        var staging = TestStaging.Postgres(stagingConnection, TimeProvider.System);
        await staging.MigrateAsync(default);
        return (loaded, staging);
    }

    // The command line's own code in this process, on a terminal that answers the prompt with `answer`.
    private static Task<(int Exit, string Output, string Error)> ResetInProcessAsync(HostConfig.LoadedConfiguration loaded, TestStaging staging, string answer) =>
        ResetInProcessAsync(loaded, staging, new StringReader(answer + "\n"));

    private static async Task<(int Exit, string Output, string Error)> ResetInProcessAsync(HostConfig.LoadedConfiguration loaded, TestStaging staging, TextReader answers)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await HostCli.ResetWatermarkCommand.RunAsync(
            loaded, staging.Database, "AC43", "2026-11-01T08:01:00+08:00", yes: false, new HostCli.CommandConsole(answers, output, error, Interactive: true), default);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>An operator who, before answering, lets another node's run try the dataset's lease (and release it).</summary>
    private sealed class LeaseTakingAnswer(string stagingConnection, string answer) : TextReader
    {
        public bool LeaseFree { get; private set; }

        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            await using var otherNode = new PostgresStagingDatabase(stagingConnection, TimeProvider.System);
            var lease = await new DatasetLeases(otherNode).TryTakeAsync("AC43", cancellationToken);
            LeaseFree = lease is not null;
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }

            return answer;
        }
    }

    private static async Task<List<long>> KeysAsync(string source, string where)
    {
        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT aaz223 FROM ac43 WHERE {where} ORDER BY aae036, aaz223", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<long>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }
}
