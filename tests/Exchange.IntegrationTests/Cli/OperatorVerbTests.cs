using System.Text;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Cli;

/// <summary><c>exchange replay</c> and <c>exchange purge</c> through the real executable, on a prepared SQLite staging store.</summary>
public sealed class OperatorVerbTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();

    private async Task<TestStaging> PrepareStoreAsync(TimeProvider clock, int batches)
    {
        _config.Exchange["Demo"]!["Enabled"] = false;
        _config.Write();
        var store = TestStaging.Sqlite($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")}", clock);
        await store.MigrateAsync(default);
        string? watermark = null;
        for (var i = 1; i <= batches; i++)
        {
            await store.Batches.AppendBatchAsync(new NewBatch("AC01", 2, "jsonl+gzip", Encoding.UTF8.GetBytes("{}"), new string('a', 64), watermark, $"w{i}", BatchOrigin.Extracted), default);
            watermark = $"w{i}";
        }

        return store;
    }

    [Fact]
    public async Task Status_MasksIdentityNumbersInWatermarks()
    {
        var store = await PrepareStoreAsync(TimeProvider.System, 1);
        await store.Batches.AppendBatchAsync(new NewBatch("AC01", 2, "jsonl+gzip", Encoding.UTF8.GetBytes("{}"), new string('a', 64), "w1", "2026-11-22T10:00:00+08:00|11010519491231002X", BatchOrigin.Extracted), default);

        await using var status = ExchangeProcess.Start("status", "--config", _config.ConfigDirectory);

        Assert.Equal(0, await status.WaitForExitAsync(Timeout));
        Assert.Contains("2026-11-22T10:00:00+08:00|110105********002X", status.Output, StringComparison.Ordinal);
        Assert.Empty(IdentityNumberScan.ValidNumbersIn(status.Output));
    }

    [Fact]
    public async Task Status_ShowsWhyADatasetIsStopped_ForAChangedKeyColumn()
    {
        var store = await PrepareStoreAsync(TimeProvider.System, 1);
        await store.Batches.RecordSchemaAsync("AC01", "[]", "stopped: the key column 'aaz223' of dataset 'AC01' changed type from bigint to text", default);

        await using var status = ExchangeProcess.Start("status", "--config", _config.ConfigDirectory);

        Assert.Equal(0, await status.WaitForExitAsync(Timeout));
        Assert.Contains("  AC01: source columns stopped: the key column 'aaz223' of dataset 'AC01' changed type from bigint to text", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_MovesTheCursorBack_AndRecordsWhoDidIt()
    {
        var store = await PrepareStoreAsync(TimeProvider.System, 5);
        await store.Batches.AckAsync("demo-insurer", "AC01", 5, default);

        await using var replay = ExchangeProcess.Start("replay", "--insurer", "demo-insurer", "--dataset", "AC01", "--from-seq", "2", "--config", _config.ConfigDirectory);
        Assert.Equal(0, await replay.WaitForExitAsync(Timeout));
        Assert.Contains("acknowledged 5 -> 1; batches 2 to 5 are delivered again", replay.Output, StringComparison.Ordinal);
        Assert.Equal(1, await store.GetCursorAsync("demo-insurer", "AC01", default));
        var audit = Assert.Single(await store.ReadAuditAsync(DateTimeOffset.UnixEpoch, 10, default));
        Assert.Equal(("Replay", "demo-insurer/AC01 from 2 (acked 5 -> 1)"), (audit.Operation, audit.ObjectId));
        Assert.StartsWith("operator:", audit.Principal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_RefusesAnUnknownInsurerOrDataset_AndASeqAboveTheCursor_NamingWhatIsAccepted()
    {
        var store = await PrepareStoreAsync(TimeProvider.System, 3);
        await store.Batches.AckAsync("demo-insurer", "AC01", 2, default);

        await using (var unknown = ExchangeProcess.Start("replay", "--insurer", "nobody", "--dataset", "AC01", "--from-seq", "1", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await unknown.WaitForExitAsync(Timeout));
            Assert.Contains("--insurer must name a configured insurer (demo-insurer), was 'nobody'.", unknown.Output, StringComparison.Ordinal);
        }

        await using (var dataset = ExchangeProcess.Start("replay", "--insurer", "demo-insurer", "--dataset", "XX99", "--from-seq", "1", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await dataset.WaitForExitAsync(Timeout));
            Assert.Contains("--dataset must name a dataset insurer 'demo-insurer' may see (AC01, AC43, KC24), was 'XX99'.", dataset.Output, StringComparison.Ordinal);
        }

        await using (var above = ExchangeProcess.Start("replay", "--insurer", "demo-insurer", "--dataset", "AC01", "--from-seq", "3", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await above.WaitForExitAsync(Timeout));
            Assert.Contains("--from-seq must be between 1 and 2", above.Output, StringComparison.Ordinal);
            Assert.Contains("Nothing was changed.", above.Output, StringComparison.Ordinal);
        }

        Assert.Equal(2, await store.GetCursorAsync("demo-insurer", "AC01", default));
    }

    [Fact]
    public async Task Purge_RemovesAcknowledgedOldBatches_AndPrintsAndLogsWhatItRemoved()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-40));
        var store = await PrepareStoreAsync(past, 4);
        await store.Batches.AckAsync("demo-insurer", "AC01", 3, default);

        await using var purge = ExchangeProcess.Start("purge", "--config", _config.ConfigDirectory);
        Assert.Equal(0, await purge.WaitForExitAsync(Timeout));
        Assert.Contains("Purge: removed 3 batches (AC01 3), 0 requests with 0 responses, 0 audit rows, 0 probe readings", purge.Output, StringComparison.Ordinal);
        Assert.Equal([4L], (await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default)).Select(h => h.Seq));
        var log = await File.ReadAllTextAsync(Path.Combine(_config.LogDirectory, "exchange.log"));
        Assert.Contains("Retention purge: removed 3 batches (AC01 3)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_ReportsOperatorAndRetentionMistakes_WithFieldAndValue()
    {
        _config.Exchange["Operator"] = new System.Text.Json.Nodes.JsonObject { ["Urls"] = "ftp://somewhere", ["ChartHours"] = 0 };
        _config.Exchange["Retention"] = new System.Text.Json.Nodes.JsonObject { ["Audit"] = "30.00:00:00", ["Cron"] = "daily" };

        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("appsettings.json: Exchange:Operator:Urls: must be http:// or https:// URLs separated by ';' such as http://127.0.0.1:8081, was 'ftp://somewhere'", run.Output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json: Exchange:Operator:ChartHours: must be between 1 and 168, was 0", run.Output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json: Exchange:Retention:Audit: must be at least 184 days", run.Output, StringComparison.Ordinal);
        Assert.Contains("was 30.00:00:00", run.Output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json: Exchange:Retention:Cron: 'daily' is not a valid Quartz cron expression", run.Output, StringComparison.Ordinal);
        Assert.Contains("4 problem(s)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_OutsideWindows_SaysWhereItRuns_AndExitsWithoutStarting()
    {
        await using var service = ExchangeProcess.Start("service", "--config", _config.Write());
        Assert.Equal(4, await service.WaitForExitAsync(Timeout));
        Assert.Contains("runs only under the Windows service control manager", service.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_config.DataDirectory) && File.Exists(Path.Combine(_config.DataDirectory, "staging.db")));
    }

    [Fact]
    public async Task StatusAndCheckConfig_WithoutAStagingStore_CreateNothing()
    {
        _config.Write();

        await using (var status = ExchangeProcess.Start("status", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(1, await status.WaitForExitAsync(Timeout));
            Assert.Contains($"There is no staging store at '{Path.Combine(_config.DataDirectory, "staging.db")}'", status.Output, StringComparison.Ordinal);
            Assert.Contains("Nothing was created.", status.Output, StringComparison.Ordinal);
        }

        await using (var check = ExchangeProcess.Start("check-config", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(0, await check.WaitForExitAsync(Timeout));
        }

        Assert.False(Directory.Exists(_config.DataDirectory), "neither verb may create the data folder or the store in it");
    }

    [Fact]
    public async Task StatusAndCheckConfig_OnAnOlderSchema_MigrateNothing()
    {
        var store = await PrepareStoreAsync(TimeProvider.System, 1);
        var latest = SchemaScripts.For("sqlite").Count;
        await ExecuteAsync($"DELETE FROM schema_version WHERE version = {latest}; DROP INDEX ix_batches_headers;");
        var before = await QueryAsync("SELECT group_concat(version) FROM schema_version");

        await using (var status = ExchangeProcess.Start("status", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(3, await status.WaitForExitAsync(Timeout));
            Assert.Contains($"The staging store is at schema version {latest - 1}, this build of Exchange reads version {latest}: run 'exchange migrate'", status.Output, StringComparison.Ordinal);
        }

        await using (var check = ExchangeProcess.Start("check-config", "--config", _config.ConfigDirectory))
        {
            Assert.Equal(0, await check.WaitForExitAsync(Timeout));
        }

        Assert.Equal(before, await QueryAsync("SELECT group_concat(version) FROM schema_version"));
        Assert.Equal("0", await QueryAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_batches_headers'"));
        store.Dispose();
    }

    [Fact]
    public async Task Status_OnTheCurrentSchema_ShowsTheStore()
    {
        await PrepareStoreAsync(TimeProvider.System, 2);
        await using var status = ExchangeProcess.Start("status", "--config", _config.ConfigDirectory);
        Assert.Equal(0, await status.WaitForExitAsync(Timeout));
        Assert.Contains("AC01", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Backup_WritesAnOwnerOnlyFile_AndNothingElse()
    {
        await PrepareStoreAsync(TimeProvider.System, 3);
        var folder = Path.Combine(_config.Root, "backups");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, "staging-copy.db");

        await using var backup = ExchangeProcess.Start("backup", "--to", target, "--config", _config.ConfigDirectory);
        Assert.Equal(0, await backup.WaitForExitAsync(Timeout));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        Assert.Equal([target], Directory.GetFileSystemEntries(folder));
        var copy = TestStaging.Sqlite($"Data Source={target}", TimeProvider.System);
        Assert.Equal([1L, 2L, 3L], (await copy.GetBatchHeadersAfterAsync("AC01", 0, 10, default)).Select(h => h.Seq));
        copy.Dispose();
    }

    [Fact]
    public async Task Backup_RefusesASymbolicLinkAtTheTarget_AndWritesNothingThroughIt()
    {
        await PrepareStoreAsync(TimeProvider.System, 1);
        var pointedAt = Path.Combine(_config.Root, "pointed-at.db");
        var link = Path.Combine(_config.Root, "link.db");
        File.CreateSymbolicLink(link, pointedAt);

        await using var backup = ExchangeProcess.Start("backup", "--to", link, "--config", _config.ConfigDirectory);
        Assert.Equal(1, await backup.WaitForExitAsync(Timeout));
        Assert.Contains($"--to must name a new file, was '{link}', a symbolic link to '{pointedAt}'; backup does not follow links. Nothing was written.", backup.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(pointedAt));
        Assert.Equal(pointedAt, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public async Task Backup_ThatFailsHalfway_LeavesNoPartialCopyBehind()
    {
        // A store file that SQLite opens but cannot copy: the failure comes once the copy has begun.
        _config.Exchange["Demo"]!["Enabled"] = false;
        _config.Write();
        Directory.CreateDirectory(_config.DataDirectory);
        await File.WriteAllBytesAsync(Path.Combine(_config.DataDirectory, "staging.db"), Enumerable.Repeat((byte)0x5A, 8192).ToArray());
        var folder = Path.Combine(_config.Root, "backups");
        Directory.CreateDirectory(folder);

        await using var backup = ExchangeProcess.Start("backup", "--to", Path.Combine(folder, "copy.db"), "--config", _config.ConfigDirectory);
        Assert.Equal(1, await backup.WaitForExitAsync(Timeout));
        Assert.Contains("No partial copy was left behind.", backup.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string?> QueryAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _config.Dispose();
}
