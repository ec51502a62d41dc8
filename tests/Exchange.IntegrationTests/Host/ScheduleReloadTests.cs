using System.Text.Json.Nodes;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Host;

/// <summary>The real daemon re-reads schedule.json when it is saved, by rename (vim, sed -i) or rewritten in place.</summary>
public sealed class ScheduleReloadTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();
    private ExchangeProcess? _daemon;

    private string SchedulePath => Path.Combine(_config.ConfigDirectory, "schedule.json");

    public async Task InitializeAsync()
    {
        foreach (var dataset in _config.Schedule["Datasets"]!.AsArray())
        {
            dataset!["Cron"] = "0/1 * * * * ?";
        }

        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00.500";
        _daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await _daemon.WaitForLineAsync("WSDL at", Wait);
        await _daemon.WaitForLineAsync("Watching ", Wait);
    }

    [Fact]
    public async Task ValidEdits_AreAppliedWithoutRestart_WhetherSavedByRenameOrRewrittenInPlace_AndASecondEventOfOneSaveIsIgnored()
    {
        // Saved by rename, as vim and sed -i do: a new file replaces the watched one.
        var edited = Schedule();
        edited["Datasets"]![0]!["Cron"] = "0/2 * * * * ?";
        edited["Datasets"]!.AsArray().RemoveAt(2);
        SaveByRename(edited);
        await _daemon!.WaitForLineAsync("Schedule change: dataset AC01 changed: Cron \"0/1 * * * * ?\" -> \"0/2 * * * * ?\"", Wait);
        await _daemon.WaitForLineAsync("Schedule change: dataset KC24 removed", Wait);
        await _daemon.WaitForLineAsync("Dataset AC01 scheduled with cron '0/2 * * * * ?'", Wait);
        await _daemon.WaitForLineAsync("Dataset KC24 unscheduled", Wait);

        // Rewritten in place, then the same content written again (editors and sync tools raise several events per save).
        var readded = Schedule();
        readded["Datasets"]![0]!["Cron"] = "0/2 * * * * ?";
        readded["Datasets"]![2]!["ChunkRows"] = 250;
        await File.WriteAllTextAsync(SchedulePath, readded.ToJsonString());
        await _daemon.WaitForLineAsync("Schedule change: dataset KC24 added", Wait);
        await File.WriteAllTextAsync(SchedulePath, readded.ToJsonString());
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(2, Count("Schedule reloaded without restart"));
        Assert.Equal(0, Count("Schedule edit refused"));
    }

    [Fact]
    public async Task InvalidEdits_AreRefused_NamingFieldAndValue_AndTheLastGoodScheduleKeepsRunning()
    {
        await _daemon!.WaitForLineAsync("Extraction AC43: ", Wait);

        var badCronAndSource = Schedule();
        badCronAndSource["Datasets"]![1]!["Cron"] = "every minute";
        badCronAndSource["Datasets"]![2]!["Source"] = "nowhere";
        SaveByRename(badCronAndSource);
        await _daemon.WaitForLineAsync("Schedule edit refused: schedule.json: Datasets:1:Cron: 'every minute' is not a valid Quartz cron expression", Wait);
        await _daemon.WaitForLineAsync("Schedule edit refused: schedule.json: Datasets:2:Source: must name a source in appsettings.json (demo), was 'nowhere'", Wait);

        var badProbe = Schedule();
        var probe = badProbe["Load"]!["Sources"]!["demo"]!["Probes"]![0]!;
        probe["Idle"] = 300;
        probe["Kind"] = "oracle.cpu";
        await File.WriteAllTextAsync(SchedulePath, badProbe.ToJsonString());
        await _daemon.WaitForLineAsync("Schedule edit refused: schedule.json: Load:Sources:demo:Probes:0:Kind: unknown probe 'oracle.cpu'", Wait);
        await _daemon.WaitForLineAsync("Load:Sources:demo:Probes:0:Idle: the idle threshold must be below the busy threshold (200), was 300", Wait);

        // The request types are part of the schedule too: an edit the start would refuse is refused on reload.
        var badWorker = Schedule();
        badWorker["RequestTypes"] = new JsonObject { ["WorkerInterval"] = "-00:00:05" };
        SaveByRename(badWorker);
        await _daemon.WaitForLineAsync("Schedule edit refused: schedule.json: RequestTypes:WorkerInterval: must be between 00:00:00 (worker off) and 1.00:00:00, was -00:00:05", Wait);
        // Each refusal's "keeps running" line follows its problems, so it may come after the line just awaited.
        await WaitForAsync(() => Task.FromResult(Count("The last good schedule keeps running") >= 3), "the third refusal's 'keeps running' line");
        Assert.Equal(3, Count("The last good schedule keeps running"));
        Assert.Equal(0, Count("Schedule reloaded without restart"));

        // The old schedule still runs: AC43 keeps being extracted every second as before the edits.
        var staged = await StagedBatchesAsync("AC43");
        await WaitForAsync(async () => await StagedBatchesAsync("AC43") > staged + 1, "AC43 extraction to continue after the refused edits");
    }

    private JsonObject Schedule() => JsonNode.Parse(_config.Schedule.ToJsonString())!.AsObject();

    private void SaveByRename(JsonObject schedule)
    {
        var temporary = SchedulePath + ".tmp";
        File.WriteAllText(temporary, schedule.ToJsonString());
        File.Move(temporary, SchedulePath, overwrite: true);
    }

    private int Count(string text) => _daemon!.Output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    private async Task<long> StagedBatchesAsync(string dataset)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM batches WHERE dataset = $d";
        command.Parameters.AddWithValue("$d", dataset);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        _config.Dispose();
    }
}
