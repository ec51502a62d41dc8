using System.Text.Json.Nodes;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Host;

/// <summary>Two real daemons on one PostgreSQL staging store share Quartz's clustered job store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusteredSchedulingTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private readonly TestConfig _a = new();
    private readonly TestConfig _b = new();

    [PostgresFact]
    public async Task TwoNodes_RunEachExtractionOnOneNodeAtATime_AndTheSurvivorTakesOverAKilledNodesWork_EvenWhenItRestartsAtOnce_StagingEveryRowOnce()
    {
        var staging = await cluster.CreateDatabaseAsync("clustered_staging");
        var source = await cluster.CreateDatabaseAsync("clustered_source");
        await PostgresSourceConfig.CreateTableAsync(source, 6_000);
        foreach (var config in new[] { _a, _b })
        {
            PostgresSourceConfig.Apply(config, source, chunkRows: 100, sampleInterval: TimeSpan.FromMilliseconds(200));
            config.Exchange["Staging"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = staging };
        }

        _a.Exchange["NodeName"] = "node-a";
        _b.Exchange["NodeName"] = "node-b";
        await using var a = ExchangeProcess.Start("run", "--config", _a.Write());
        await a.WaitForLineAsync("WSDL at", Wait);
        await using var b = ExchangeProcess.Start("run", "--config", _b.Write());
        await b.WaitForLineAsync("WSDL at", Wait);

        // Quartz starts once the web endpoints listen; each node checks in when its scheduler does.
        await WaitForAsync(async () => (await ColumnAsync(staging, "SELECT instance_name FROM qrtz_scheduler_state")).Count == 2, b);
        Assert.Equal(["node-a", "node-b"], await ColumnAsync(staging, "SELECT instance_name FROM qrtz_scheduler_state ORDER BY 1"));
        Assert.Equal(["AC43"], await ColumnAsync(staging, "SELECT job_name FROM qrtz_job_details WHERE job_group = 'extraction'"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var readyA = await http.GetStringAsync(OperatorUrl(_a) + "/readyz");
        Assert.Contains("ok   cluster: node node-a checked in", readyA, StringComparison.Ordinal);

        // Kill the node that is running AC43's extraction, in the middle of a run.
        await PostgresSourceConfig.AppendRowsAsync(source, 3_000);
        string running;
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var executing = await ColumnAsync(staging, "SELECT instance_name FROM qrtz_fired_triggers WHERE job_name = 'AC43' AND state = 'EXECUTING'");
            if (executing.Count > 0)
            {
                Assert.Single(executing); // one node at a time
                running = executing[0];
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "AC43's extraction never seen running");
            await Task.Delay(20);
        }

        var (victim, survivor) = running == "node-a" ? (a, b) : (b, a);
        var victimConfig = victim == a ? _a : _b;
        await victim.KillHardAsync();
        var batchesAtKill = await ScalarAsync(staging, "SELECT COUNT(*) FROM batches WHERE dataset = 'AC43'");
        await PostgresSourceConfig.AppendRowsAsync(source, 500);

        // The killed node comes back before the survivor takes it for dead. Holding Quartz's STATE_ACCESS row keeps the
        // survivor from recovering it until the restarted node has seen its own left-over trigger and the live survivor,
        // however fast or slow this machine starts a process. The restarted node waits; the survivor takes the work over.
        await using (var stateLock = new NpgsqlConnection(staging))
        {
            await stateLock.OpenAsync();
            await using var transaction = await stateLock.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand(
                "SELECT lock_name FROM qrtz_locks WHERE sched_name = 'Exchange' AND lock_name = 'STATE_ACCESS' FOR UPDATE", stateLock, transaction))
            {
                Assert.Equal("STATE_ACCESS", await lockRow.ExecuteScalarAsync());
            }

            await using var restarted = ExchangeProcess.Start("run", "--config", victimConfig.Write());
            var yielding = await restarted.WaitForLineAsync($"Node {running} restarted with ", Wait);
            Assert.Contains("check in: its scheduler starts once they have taken that work over", yielding, StringComparison.Ordinal);
            var waiting = await http.GetAsync(OperatorUrl(victimConfig) + "/readyz");
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, waiting.StatusCode);
            Assert.Contains($"FAIL cluster: node {running} has not checked in since it started", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await transaction.CommitAsync();

            await restarted.WaitForLineAsync("Scheduler starting: the other nodes took over the work it left", Wait);
            Assert.Contains("ClusterManager: detected 1 failed or restarted instances", survivor.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("ClusterManager: detected", restarted.Output, StringComparison.Ordinal);
            await WaitForAsync(async () => (await ColumnAsync(staging, "SELECT instance_name FROM qrtz_scheduler_state")).Contains(running), restarted);
            Assert.Equal(0, await restarted.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        // The survivor recovers the dead node's firing and goes on; every source row ends up staged exactly once.
        var sourceKeys = await PostgresSourceConfig.KeysAsync(source);
        await WaitForAsync(async () => await ScalarAsync(staging, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = 'AC43'") >= sourceKeys.Count, survivor);
        Assert.True(await ScalarAsync(staging, "SELECT COUNT(*) FROM batches WHERE dataset = 'AC43'") > batchesAtKill);
        await using var store = TestStaging.Postgres(staging, TimeProvider.System);
        var staged = (await StagedRows.ReadAllAsync(store, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        Assert.Equal(sourceKeys.Count, staged.Count);
        Assert.Equal(sourceKeys, staged.Order());
        // The survivor's status page marks the killed node as having stopped checking in.
        var survivorConfig = survivor == a ? _a : _b;
        var victimName = running;
        await WaitForAsync(async () => (await http.GetStringAsync(OperatorUrl(survivorConfig) + "/")).Contains(
            $"<tr class=\"node-row silent\" data-silent=\"true\"><td>{victimName}</td>", StringComparison.Ordinal), survivor);
        Assert.Equal(0, await survivor.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static string OperatorUrl(TestConfig config) => config.Exchange["Operator"]!["Urls"]!.GetValue<string>();

    private static async Task<List<string>> ColumnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, ExchangeProcess daemon)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (daemon.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out (daemon exited: {daemon.HasExited}). Output:\n{daemon.Output}");
            }

            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
