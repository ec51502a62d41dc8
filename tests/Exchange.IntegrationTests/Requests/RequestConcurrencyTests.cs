using System.Collections.Concurrent;
using System.Xml;
using System.Xml.Linq;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;
using static Exchange.IntegrationTests.Requests.RequestTestSetup;
using Xunit.Abstractions;

namespace Exchange.IntegrationTests.Requests;

/// <summary>
/// A thousand requests from several insurers in parallel against the real daemon, a third resubmitted with the same
/// MsgId (some with other content), with a kill -9 in the middle and a restart: one request and at most one response
/// per accepted MsgId, every resubmission answered as specified, no request left unfinished.
/// </summary>
public sealed class RequestConcurrencyTests(ITestOutputHelper output) : IDisposable
{
    private const int Requests = 1000;
    private static readonly XNamespace Ns = SoapClient.Ns;
    private static readonly string[] Insurers = [DemoInsurer, InsurerB, InsurerC];
    private readonly TestConfig _config = new();

    private sealed record Submission(string Insurer, string MsgId, string InfNo, string Input, bool Original);

    private sealed record Reply(Submission Submission, string? RefMsgId, string? Fault);

    [Fact]
    public async Task ThousandRequestsWithResubmissions_AndAKillDashNine_EndWithOneRequestAndOneAnswerPerMsgId()
    {
        RequestTestSetup.Apply(_config, workerInterval: "00:00:00.300", leaseTime: "00:00:03");
        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00"; // a quiet source: the requests are the load
        var configDirectory = _config.Write();

        var plan = Plan();
        var replies = new ConcurrentBag<Reply>();
        var done = 0;
        var daemon = ExchangeProcess.Start("run", "--config", configDirectory);
        try
        {
            await daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
            using var clients = new ClientSet(_config.ServiceUrl);
            using var gate = new SemaphoreSlim(24);
            var work = plan.Select(async group =>
            {
                await gate.WaitAsync();
                try
                {
                    // The original and its same-content resubmissions race; other-content resubmissions follow the first answer.
                    var first = group.Where(s => s.Original || s.Input == group[0].Input).ToList();
                    var later = group.Except(first).ToList();
                    foreach (var reply in await Task.WhenAll(first.Select(s => SubmitUntilAnsweredAsync(clients, s))))
                    {
                        replies.Add(reply);
                    }

                    foreach (var s in later)
                    {
                        replies.Add(await SubmitUntilAnsweredAsync(clients, s));
                    }

                    Interlocked.Increment(ref done);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();

            // kill -9 once about half the MsgIds are through, then start again on the same files.
            while (Volatile.Read(ref done) < plan.Count / 2)
            {
                await Task.Delay(20);
            }

            await daemon.KillHardAsync();
            await daemon.DisposeAsync();
            var atKill = await ScalarAsync(_config, "SELECT COUNT(*) FROM requests");
            Assert.True(atKill is > 0 and < Requests, $"the kill must land mid-traffic, but {atKill} of {Requests} requests were stored");
            daemon = ExchangeProcess.Start("run", "--config", configDirectory);
            await daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
            await Task.WhenAll(work);

            await WaitUntilNoneUnfinishedAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await daemon.DisposeAsync();
        }

        output.WriteLine(
            $"{replies.Count} submissions answered: {replies.Count(r => r.RefMsgId is not null)} with a RefMsgId, {replies.Count(r => r.Fault == "DuplicateMsgId")} DuplicateMsgId; " +
            $"requests taken over after the kill (attempts > 1): {await ScalarAsync(_config, "SELECT COUNT(*) FROM requests WHERE attempts > 1")}");
        await AssertOutcomeAsync(plan, [.. replies]);
    }

    private async Task AssertOutcomeAsync(List<List<Submission>> plan, List<Reply> replies)
    {
        var stored = await StoredAsync();
        Assert.Equal(plan.Count, stored.Count);
        foreach (var group in plan)
        {
            var original = group.Single(s => s.Original);
            var key = (original.Insurer, original.MsgId);
            Assert.True(stored.TryGetValue(key, out var row), $"{key} was accepted but has no request");
            Assert.True(row.Requests == 1, $"{key} has {row.Requests} requests");
            Assert.True(row.Responses == 1, $"{key} has {row.Responses} responses");
            Assert.True(row.Status is "Completed" or "Failed" or "Expired", $"{key} ended {row.Status}");

            foreach (var reply in replies.Where(r => r.Submission.Insurer == original.Insurer && r.Submission.MsgId == original.MsgId))
            {
                if (reply.Submission.Input == row.Input)
                {
                    Assert.True(reply.RefMsgId == row.RefMsgId, $"{key}: a same-content submission got {reply.RefMsgId ?? reply.Fault}, the request is {row.RefMsgId}");
                }
                else
                {
                    Assert.True(reply.Fault == "DuplicateMsgId", $"{key}: an other-content resubmission got {reply.RefMsgId ?? reply.Fault}");
                }
            }
        }

        // Every planned submission got an answer, and the stored input is the original's.
        Assert.Equal(plan.Sum(g => g.Count), replies.Count);
        Assert.All(plan, g => Assert.Equal(g.Single(s => s.Original).Input, stored[(g[0].Insurer, g[0].MsgId)].Input));
        Assert.True(plan.Count(g => g.Count > 1) >= Requests / 3, "a third of the MsgIds are resubmitted");
    }

    private static List<List<Submission>> Plan()
    {
        var random = new Random(20261122);
        var plan = new List<List<Submission>>();
        for (var i = 0; i < Requests; i++)
        {
            var insurer = Insurers[i % Insurers.Length];
            var msgId = $"c-{i:D4}-{random.Next(1_000_000):D6}";
            var (infNo, input) = i % 4 == 0
                ? ("2101", $$"""{"idNumber":"{{IdentityNumberFor(i)}}","from":"2026-01-01","to":"2026-12-31"}""")
                : ("1101", $$"""{"idNumber":"{{IdentityNumberFor(i)}}"}""");
            var group = new List<Submission> { new(insurer, msgId, infNo, input, true) };
            if (i % 3 == 0)
            {
                // A third resubmitted: mostly the same content (a timeout retry), every fourth with other content.
                group.Add(i % 12 == 0
                    ? new Submission(insurer, msgId, "1101", $$"""{"idNumber":"{{IdentityNumberFor(i + 1)}}"}""", false)
                    : new Submission(insurer, msgId, infNo, input, false));
            }

            plan.Add(group);
        }

        return [.. plan.OrderBy(_ => random.Next())];
    }

    private static async Task<Reply> SubmitUntilAnsweredAsync(ClientSet clients, Submission s)
    {
        var client = clients.For(s.Insurer);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                var (status, envelope) = await client.CallAsync("SubmitRequest", ("MsgId", s.MsgId), ("InfNo", s.InfNo), ("Input", s.Input));
                if (status == 200)
                {
                    return new Reply(s, envelope.Descendants(Ns + "RefMsgId").Single().Value, null);
                }

                var fault = SoapClient.FaultCode(envelope);
                if (fault != "Unavailable")
                {
                    return new Reply(s, null, fault);
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException or TaskCanceledException or XmlException)
            {
                // The daemon is down (killed) or the answer was cut off: an insurer retries, as after a 504.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{s.Insurer}/{s.MsgId} got no answer in 600 attempts.");
    }

    private async Task WaitUntilNoneUnfinishedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long unfinished;
        do
        {
            await Task.Delay(500);
            unfinished = await ScalarAsync(_config, "SELECT COUNT(*) FROM requests WHERE status IN ('Pending', 'Processing')");
        }
        while (unfinished > 0 && DateTime.UtcNow < deadline);

        Assert.True(unfinished == 0, $"{unfinished} requests are still Pending or Processing after {timeout}");
    }

    private async Task<Dictionary<(string Insurer, string MsgId), (long Requests, long Responses, string Status, string RefMsgId, string Input)>> StoredAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.insurer, r.msg_id, COUNT(*) OVER (PARTITION BY r.insurer, r.msg_id),
                   (SELECT COUNT(*) FROM responses s WHERE s.request_id = r.request_id), r.status, r.ref_msg_id, r.input
            FROM requests r
            """;
        var rows = new Dictionary<(string, string), (long, long, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }

        return rows;
    }

    public void Dispose() => _config.Dispose();

    private sealed class ClientSet(string serviceUrl) : IDisposable
    {
        private readonly Dictionary<string, SoapClient> _clients = Insurers.ToDictionary(
            name => name, name => new SoapClient(serviceUrl, name, name == DemoInsurer ? DemoPassword : OtherPassword));

        public SoapClient For(string insurer) => _clients[insurer];

        public void Dispose()
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }
        }
    }
}
