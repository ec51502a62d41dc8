using System.Text.Json.Nodes;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Load;

/// <summary>Two real daemons on one PostgreSQL staging store: only the node running a source's extraction samples its load.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusteredLoadSamplingTests(PostgresCluster cluster) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private readonly TestConfig _a = new();
    private readonly TestConfig _b = new();

    [PostgresFact]
    public async Task TwoNodes_OnlyTheNodeRunningTheExtractionSamplesTheSource_AndOnlyWhileItRuns()
    {
        // Staging and source share one database, so that the probe can look at Quartz's table of running jobs.
        var database = await cluster.CreateDatabaseAsync("one_reader");
        await PostgresSourceConfig.CreateTableAsync(database, 2_000);
        await ExecuteAsync(database, """
            CREATE TABLE probe_hits (node text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), running boolean NOT NULL);
            -- The load probe of each node: records the sample, and whether that node runs AC43's extraction at that moment.
            CREATE FUNCTION probe_hit(n text) RETURNS integer LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO probe_hits (node, running) SELECT n, EXISTS (
                    SELECT 1 FROM qrtz_fired_triggers f WHERE f.instance_name = n AND f.job_name = 'AC43' AND f.state = 'EXECUTING');
                RETURN 0;
            END $$;
            """);
        foreach (var (config, node) in new[] { (_a, "node-a"), (_b, "node-b") })
        {
            PostgresSourceConfig.Apply(config, database, chunkRows: 100, sampleInterval: TimeSpan.FromMilliseconds(200));
            config.Exchange["Staging"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = database };
            config.Exchange["NodeName"] = node;
            config.Schedule["Load"]!["Sources"]!["prod"]!["Probes"] = new JsonArray(
                new JsonObject { ["Name"] = "hits", ["Kind"] = "sql", ["Sql"] = $"SELECT probe_hit('{node}')", ["Busy"] = 50, ["Idle"] = 40 });
        }

        await using var a = ExchangeProcess.Start("run", "--config", _a.Write());
        await a.WaitForLineAsync("WSDL at", Wait);
        await using var b = ExchangeProcess.Start("run", "--config", _b.Write());
        await b.WaitForLineAsync("WSDL at", Wait);
        await WaitForAsync(async () => await ScalarAsync(database, "SELECT COUNT(*) FROM qrtz_scheduler_state") == 2, a, b);

        // Rows keep coming while the extraction runs every second, on one node or the other.
        var deadline = DateTime.UtcNow + Wait;
        while (await ScalarAsync(database, "SELECT COUNT(DISTINCT date_trunc('second', at)) FROM probe_hits") < 8)
        {
            Assert.True(DateTime.UtcNow < deadline, "the source was sampled in fewer than 8 seconds in 90");
            await PostgresSourceConfig.AppendRowsAsync(database, 50);
            await Task.Delay(500);
        }

        var sourceRows = await ScalarAsync(database, "SELECT COUNT(*) FROM ac43");
        await WaitForAsync(async () => await ScalarAsync(database, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = 'AC43'") >= sourceRows, a, b);
        Assert.Equal(0, await a.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await b.TerminateAsync(TimeSpan.FromSeconds(30)));

        // Before, each node sampled every source all the time: half the samples came from a node not running the extraction.
        var idle = await ScalarAsync(database, "SELECT COUNT(*) FROM probe_hits WHERE NOT running");
        var total = await ScalarAsync(database, "SELECT COUNT(*) FROM probe_hits");
        Assert.True(idle == 0, $"{idle} of {total} samples were taken by a node that was not running AC43's extraction");
        Assert.Equal(sourceRows, await ScalarAsync(database, "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = 'AC43'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, ExchangeProcess a, ExchangeProcess b)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (a.HasExited || b.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out (exited: {a.HasExited}, {b.HasExited}). Output of a:\n{a.Output}\nOutput of b:\n{b.Output}");
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
