using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>One demo daemon (extracting every second) with its operator endpoint on a free loopback port, shared by a collection.</summary>
public sealed class DemoDaemon : IAsyncLifetime
{
    private readonly TestConfig _config = new();
    private ExchangeProcess? _process;

    public TestConfig Config => _config;

    public ExchangeProcess Process => _process ?? throw new InvalidOperationException("not started");

    public string OperatorUrl { get; private set; } = "";

    public string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    public async Task InitializeAsync()
    {
        foreach (var dataset in _config.Schedule["Datasets"]!.AsArray())
        {
            dataset!["Cron"] = "0/1 * * * * ?";
        }

        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00.500";
        OperatorUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        _config.Exchange["Operator"] = new JsonObject
        {
            ["Urls"] = OperatorUrl,
            ["SnapshotInterval"] = "00:00:00.500",
            ["ChartHours"] = 2,
            ["ChartThresholds"] = new JsonArray(new JsonObject { ["Source"] = "demo", ["Probe"] = "active_sessions", ["Idle"] = 20, ["Busy"] = 40, ["Critical"] = 80 }),
        };
        _process = ExchangeProcess.Start("run", "--config", _config.Write());
        await _process.WaitForLineAsync("Operator endpoint on", TimeSpan.FromSeconds(60));
        await _process.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
    }

    /// <summary>Writes probe readings into <c>load_samples</c> as the load gate does: a rising and falling session count over the last <paramref name="minutes"/>.</summary>
    public async Task RecordProbeReadingsAsync(int minutes)
    {
        await using var connection = new SqliteConnection($"Data Source={StagingFile};Pooling=false");
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        for (var i = minutes * 2; i >= 0; i--)
        {
            var at = now.AddSeconds(-30 * i);
            var value = 30 + (35 * Math.Sin(i / 12.0));
            var state = value >= 80 ? "Hibernating" : value >= 40 ? "Busy" : "Idle";
            await using var command = connection.CreateCommand();
            command.Transaction = (SqliteTransaction)transaction;
            command.CommandText = "INSERT INTO load_samples (at, source, probe, value, gate_state, reason) VALUES ($at, 'demo', 'active_sessions', $value, $state, $reason)";
            command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$value", value);
            command.Parameters.AddWithValue("$state", state);
            command.Parameters.AddWithValue("$reason", state switch
            {
                "Idle" => $"active_sessions {value:0} below busy threshold 40",
                "Busy" => $"active_sessions {value:0} at or above busy threshold 40",
                _ => $"active_sessions {value:0} at or above critical threshold 80: hibernating",
            });
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _config.Dispose();
    }

}

[CollectionDefinition(Name)]
public sealed class DemoDaemonCollection : ICollectionFixture<DemoDaemon>
{
    public const string Name = "demo-daemon";
}
