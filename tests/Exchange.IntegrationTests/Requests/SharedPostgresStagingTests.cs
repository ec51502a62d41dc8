using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;
using static Exchange.IntegrationTests.Requests.RequestTestSetup;

namespace Exchange.IntegrationTests.Requests;

/// <summary>
/// Two real daemons sharing one PostgreSQL staging store answer every request exactly once between them. Both take
/// submissions; the clustered scheduler runs the request worker on one node at a time, whichever fires it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class SharedPostgresStagingTests(PostgresCluster cluster) : IDisposable
{
    private const int Requests = 300;
    private readonly TestConfig _a = new();
    private readonly TestConfig _b = new();

    [PostgresFact]
    public async Task TwoDaemonsOnOneStore_AnswerEveryRequestOnce_WhicheverNodeRunsTheWorker()
    {
        var staging = await cluster.CreateDatabaseAsync("shared_requests");
        foreach (var config in new[] { _a, _b })
        {
            Apply(config, workerInterval: "00:00:00.200");
            config.Exchange["Staging"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = staging };
            config.Exchange["Demo"]!["InsertInterval"] = "00:00:00";
            config.Schedule["Datasets"] = new JsonArray(); // requests only
        }

        await using var a = ExchangeProcess.Start("run", "--config", _a.Write());
        await using var b = ExchangeProcess.Start("run", "--config", _b.Write());
        await a.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
        await b.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));

        // No gate is sampled yet: a worker attends the source (and waits for its gate's first samples) only once requests are pending.

        using var viaA = new SoapClient(_a.ServiceUrl, InsurerB, OtherPassword);
        using var viaB = new SoapClient(_b.ServiceUrl, InsurerB, OtherPassword);
        using var parallel = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            await parallel.WaitAsync();
            try
            {
                await (i % 2 == 0 ? viaA : viaB).CallOkAsync("SubmitRequest", ("MsgId", $"pg-{i}"), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{IdentityNumberFor(i)}}"}"""));
            }
            finally
            {
                parallel.Release();
            }
        }));

        await using var connection = new NpgsqlConnection(staging);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CountAsync(connection, "SELECT COUNT(*) FROM requests WHERE status <> 'Completed'") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal(Requests, await CountAsync(connection, "SELECT COUNT(*) FROM requests WHERE status = 'Completed' AND attempts = 1"));
        Assert.Equal(Requests, await CountAsync(connection, "SELECT COUNT(*) FROM responses"));

        // Each daemon logs the requests it answered: together every one, none twice.
        var answeredByA = Answered(a.Output);
        var answeredByB = Answered(b.Output);
        Assert.Equal(Requests, answeredByA.Count + answeredByB.Count);
        Assert.Empty(answeredByA.Intersect(answeredByB));
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static HashSet<string> Answered(string output) => [.. AnsweredLine().Matches(output).Select(m => m.Groups[1].Value)];

    // A RefMsgId (32 hex digits) with a run of 15 or more decimal digits is masked in the log like any long number.
    [GeneratedRegex(@"Request ([0-9a-f*]+) \(1101\) of insurer-b answered with InfCode 0")]
    private static partial Regex AnsweredLine();
}
