using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Operator;

/// <summary><c>exchange backup</c> and <c>exchange status</c> against the staging store of a daemon that keeps extracting.</summary>
[Collection(DemoDaemonCollection.Name)]
public sealed class OperatorVerbsWhileRunningTests(DemoDaemon daemon) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _folder = new("exchange-backup");

    [Fact]
    public async Task Backup_TakenWhileTheDemoExtracts_IsAConsistentDatabase()
    {
        var before = await CountBatchesAsync(daemon.StagingFile);
        var target = _folder.File("staging-backup.db");

        await using var backup = ExchangeProcess.Start("backup", "--to", target, "--config", daemon.Config.ConfigDirectory);
        Assert.Equal(0, await backup.WaitForExitAsync(Timeout));
        Assert.Contains("Backup written to " + target, backup.Output, StringComparison.Ordinal);

        await using var copy = new SqliteConnection($"Data Source={target};Mode=ReadOnly;Pooling=false");
        await copy.OpenAsync();
        await using var command = copy.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await command.ExecuteScalarAsync());

        // One snapshot: each dataset's watermark row agrees with its batches, and nothing is older than before the backup.
        command.CommandText = "SELECT COUNT(*) FROM watermarks w WHERE w.last_seq <> (SELECT COALESCE(MAX(seq), 0) FROM batches b WHERE b.dataset = w.dataset)";
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        Assert.True(await CountBatchesAsync(target) >= before);

        await using var again = ExchangeProcess.Start("backup", "--to", target, "--config", daemon.Config.ConfigDirectory);
        Assert.Equal(1, await again.WaitForExitAsync(Timeout));
        Assert.Contains("must name a file that does not exist yet", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_PrintsDatasetsBacklogAndRequests_OfTheRunningDaemon()
    {
        await daemon.Process.WaitForLineAsync("Extraction AC01", Timeout);
        await using var status = ExchangeProcess.Start("status", "--config", daemon.Config.ConfigDirectory);
        Assert.Equal(0, await status.WaitForExitAsync(Timeout));
        var output = status.Output;
        Assert.Contains("Load gate:", output, StringComparison.Ordinal);
        Assert.Matches(@"\n  AC01 +[1-9]\d* +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", output);
        Assert.Matches(@"\n  demo-insurer +AC01 +\d+ +\d+  ", output);
        Assert.Contains("Requests: Pending 0, Processing 0, Completed 0, Failed 0, Expired 0", output, StringComparison.Ordinal);
    }

    private static async Task<long> CountBatchesAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM batches";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose() => _folder.Dispose();
}
