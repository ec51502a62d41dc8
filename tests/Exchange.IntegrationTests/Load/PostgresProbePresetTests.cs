using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Load;

/// <summary>The PostgreSQL preset on a real server: the daemon's own sessions are not production load.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresProbePresetTests(PostgresCluster cluster) : IDisposable
{
    private readonly HttpClient _http = new();

    [PostgresFact]
    public async Task ActiveBackends_CountsOtherSessions_NotTheDaemonsOwn()
    {
        var database = await cluster.CreateDatabaseAsync("preset");
        var options = new ExchangeOptions
        {
            Sources = { ["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = database, TimeZoneOffset = TimeSpan.FromHours(8) } },
        };
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        var probe = new LoadProbeFactory(connector, _http).Create("prod", new ProbeOptions { Kind = "postgres.active_backends", Busy = 10, Idle = 5 });

        // A statement of the daemon (a session opened the way extraction opens it) and one of somebody else, both running.
        await using var own = await connector.OpenAsync("prod", SourceRole.Read, default);
        await using var other = new NpgsqlConnection(database + ";Application Name=billing");
        await other.OpenAsync();
        using var stop = new CancellationTokenSource();
        var ownSleep = SleepAsync(own, stop.Token);
        var otherSleep = SleepAsync(other, stop.Token);
        await WaitForAsync(async () => await ActiveAsync(database, "exchange") == 1 && await ActiveAsync(database, "billing") == 1);

        Assert.Equal(1, await probe.ReadAsync(default));

        await stop.CancelAsync();
        await Task.WhenAll(ownSleep, otherSleep);
    }

    private static async Task SleepAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_sleep(30)";
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception error) when (error is OperationCanceledException or PostgresException)
        {
            // Cancelled at the end of the test.
        }
    }

    private static async Task<long> ActiveAsync(string connectionString, string application)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND application_name = @app", connection);
        command.Parameters.AddWithValue("app", application);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the two sessions never ran at the same time");
    }

    public void Dispose() => _http.Dispose();
}
