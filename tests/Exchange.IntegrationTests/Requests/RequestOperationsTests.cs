using System.Xml.Linq;
using Exchange.IntegrationTests.Infrastructure;
using static Exchange.IntegrationTests.Requests.RequestTestSetup;

namespace Exchange.IntegrationTests.Requests;

/// <summary>SubmitRequest, GetResponse, Poll's CompletedRequest, TakePendingRequests and PutResponse through the real daemon.</summary>
public sealed class RequestOperationsTests(RequestDaemonFixture daemon) : IClassFixture<RequestDaemonFixture>
{
    private const string DemoPerson = "44030519590706679X"; // the demo source's first person (fixed seed)
    private static readonly XNamespace Ns = SoapClient.Ns;

    private SoapClient Insurer(string name = DemoInsurer) =>
        new(daemon.Config.ServiceUrl, name, name == DemoInsurer ? DemoPassword : OtherPassword);

    private SoapClient Source() => new(daemon.Config.ServiceUrl, SourceSystem, SourcePassword);

    private static string NewMsgId() => "t-" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task SubmitThenGetResponse_AnswersFromTheDemoSource_AndPollListsTheMsgIdUntilItIsRead()
    {
        using var client = Insurer();
        var msgId = NewMsgId();
        var submitted = await client.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{DemoPerson}}"}"""));
        Assert.Equal((msgId, "Pending"), (submitted.Element(Ns + "MsgId")!.Value, submitted.Element(Ns + "Status")!.Value));
        var refMsgId = submitted.Element(Ns + "RefMsgId")!.Value;

        await WaitUntilPollListsAsync(client, msgId);
        var answer = await client.CallOkAsync("GetResponse", ("MsgId", msgId));
        Assert.Equal(
            [msgId, refMsgId, "Completed", "0"],
            new[] { "MsgId", "RefMsgId", "Status", "InfCode" }.Select(n => answer.Element(Ns + n)!.Value));
        Assert.Contains($"\"AAC002\":\"{DemoPerson}\"", answer.Element(Ns + "Output")!.Value, StringComparison.Ordinal);
        Assert.NotNull(answer.Element(Ns + "RespondedAt"));
        Assert.Null(answer.Element(Ns + "ErrMsg"));

        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the agreed poll interval
        var poll = await client.CallOkAsync("Poll", ("MaxBatches", 1));
        Assert.DoesNotContain(msgId, poll.Elements(Ns + "CompletedRequest").Select(c => c.Element(Ns + "MsgId")!.Value));
    }

    [Fact]
    public async Task Resubmission_WithTheSameContent_GetsTheOriginalRefMsgId_AndWithOtherContent_DuplicateMsgId()
    {
        using var client = Insurer();
        var msgId = NewMsgId();
        var input = $$"""{"idNumber":"{{DemoPerson}}","from":"2020-01-01","to":"2030-12-31"}""";
        var first = await client.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "2101"), ("Input", input));
        var same = await client.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "2101"), ("Input", $$"""{ "to": "2030-12-31", "from": "2020-01-01", "idNumber": "{{DemoPerson}}" }"""));
        var (status, other) = await client.CallAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "2101"), ("Input", input.Replace("2020", "2021", StringComparison.Ordinal)));

        Assert.Equal(first.Element(Ns + "RefMsgId")!.Value, same.Element(Ns + "RefMsgId")!.Value);
        Assert.Equal((500, "DuplicateMsgId"), (status, SoapClient.FaultCode(other)));
        Assert.Contains(first.Element(Ns + "RefMsgId")!.Value, other.Descendants(Ns + "Message").Single().Value, StringComparison.Ordinal);
        Assert.Equal(1, await StoredRequestsAsync(daemon.Config, DemoInsurer, msgId));
    }

    [Theory]
    [InlineData("1101", """{"idNumber":"' OR '1'='1"}""", "InvalidRequest", "not a valid identity number")]
    [InlineData("1101", """{"idNumber":"44030519590706679X'; DROP TABLE requests;--"}""", "InvalidRequest", "not a valid identity number ('440305*********************************s;--')")]
    [InlineData("1101", """{"idNumber":"44030519590706679X","extra":"1; DELETE FROM AC01"}""", "InvalidRequest", "does not take")]
    [InlineData("1101", """{"idNumber":440305195907066790}""", "InvalidRequest", "was a JSON number")]
    [InlineData("1101", "SELECT * FROM AC01", "InvalidRequest", "not valid JSON")]
    [InlineData("2101", """{"idNumber":"44030519590706679X","from":"2026-02-30","to":"2026-12-31"}""", "InvalidRequest", "must be a date yyyy-MM-dd")]
    [InlineData("9001", """{"policyNo":"P1' OR 1=1"}""", "InvalidRequest", "does not match the pattern")]
    [InlineData("0000", """{"idNumber":"44030519590706679X"}""", "Forbidden", "not allowed for 'demo-insurer'")]
    [InlineData(UnconfiguredCode, """{"idNumber":"44030519590706679X"}""", "InvalidRequest", "not offered by this exchange")]
    public async Task HostileSubmission_IsRefusedWithTheRightFault_AndStoresNothing(string infNo, string input, string fault, string says)
    {
        using var client = Insurer();
        var msgId = NewMsgId();
        var (status, envelope) = await client.CallAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", infNo), ("Input", input));

        Assert.Equal((500, fault), (status, SoapClient.FaultCode(envelope)));
        var message = envelope.Descendants(Ns + "Message").Single().Value;
        Assert.Contains(says, message, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT", message.Replace(input, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRequestsAsync(daemon.Config, DemoInsurer, msgId));
    }

    [Fact]
    public async Task OversizedInput_IsRefused_AndStoresNothing()
    {
        using var client = Insurer();
        var msgId = NewMsgId();
        var (status, envelope) = await client.CallAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "1101"), ("Input", "{\"idNumber\":\"" + new string('9', 100_000) + "\"}"));

        Assert.Equal((500, "InvalidRequest"), (status, SoapClient.FaultCode(envelope)));
        Assert.Contains("at most 4096 are accepted", envelope.Descendants(Ns + "Message").Single().Value, StringComparison.Ordinal);
        Assert.Equal(0, await StoredRequestsAsync(daemon.Config, DemoInsurer, msgId));
    }

    [Fact]
    public async Task SqlLookingMsgId_IsStoredAsPlainData_AndTheTablesAreIntact()
    {
        using var client = Insurer();
        var msgId = "x');DELETE-FROM-requests;--" + Guid.NewGuid().ToString("N")[..8];
        var before = await ScalarAsync(daemon.Config, "SELECT COUNT(*) FROM requests");

        var submitted = await client.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{DemoPerson}}"}"""));

        Assert.Equal(msgId, submitted.Element(Ns + "MsgId")!.Value);
        Assert.Equal(before + 1, await ScalarAsync(daemon.Config, "SELECT COUNT(*) FROM requests"));
        Assert.Equal(msgId, (await client.CallOkAsync("GetResponse", ("MsgId", msgId))).Element(Ns + "MsgId")!.Value);
    }

    [Fact]
    public async Task AnotherInsurersMsgId_IsNotVisible_AndTheSameMsgIdIsItsOwnRequestThere()
    {
        using var a = Insurer();
        using var b = Insurer(InsurerB);
        var msgId = NewMsgId();
        var mine = await a.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{DemoPerson}}"}"""));

        var (status, envelope) = await b.CallAsync("GetResponse", ("MsgId", msgId));
        Assert.Equal((500, "InvalidRequest"), (status, SoapClient.FaultCode(envelope)));
        Assert.Contains("You have submitted no request with MsgId", envelope.Descendants(Ns + "Message").Single().Value, StringComparison.Ordinal);

        var theirs = await b.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{IdentityNumberFor(7)}}"}"""));
        Assert.NotEqual(mine.Element(Ns + "RefMsgId")!.Value, theirs.Element(Ns + "RefMsgId")!.Value);
        Assert.Equal("Pending", theirs.Element(Ns + "Status")!.Value);
    }

    [Fact]
    public async Task Roles_AreEnforced_InsurersCannotTake_AndSourcesCannotSubmit()
    {
        using var insurer = Insurer();
        using var source = Source();

        var (_, take) = await insurer.CallAsync("TakePendingRequests", ("MaxRequests", 1));
        var (_, submit) = await source.CallAsync("SubmitRequest", ("MsgId", NewMsgId()), ("InfNo", ExternalCode), ("Input", """{"policyNo":"P00000001"}"""));

        Assert.Equal(("Forbidden", "Forbidden"), (SoapClient.FaultCode(take), SoapClient.FaultCode(submit)));
    }

    [Fact]
    public async Task ExternalFunction_IsTakenByTheSourceSystem_AndItsOneAnswerReachesTheInsurer()
    {
        using var insurer = Insurer();
        using var source = Source();
        var msgId = NewMsgId();
        var refMsgId = (await insurer.CallOkAsync("SubmitRequest", ("MsgId", msgId), ("InfNo", ExternalCode), ("Input", """{"policyNo":"P12345678"}""")))
            .Element(Ns + "RefMsgId")!.Value;

        XElement? taken = null;
        for (var i = 0; i < 20 && taken is null; i++)
        {
            var take = await source.CallOkAsync("TakePendingRequests", ("MaxRequests", 100));
            taken = take.Elements(Ns + "Request").FirstOrDefault(r => r.Element(Ns + "RefMsgId")!.Value == refMsgId);
        }

        Assert.NotNull(taken);
        Assert.Equal((ExternalCode, DemoInsurer, """{"policyNo":"P12345678"}""", "1"),
            (taken.Element(Ns + "InfNo")!.Value, taken.Element(Ns + "Insurer")!.Value, taken.Element(Ns + "Input")!.Value, taken.Element(Ns + "Attempt")!.Value));
        Assert.Equal("Processing", (await insurer.CallOkAsync("GetResponse", ("MsgId", msgId))).Element(Ns + "Status")!.Value);

        var put = await source.CallOkAsync("PutResponse", ("RefMsgId", refMsgId), ("InfCode", 0), ("Output", """[{"policyNo":"P12345678","state":"active"}]"""));
        var again = await source.CallOkAsync("PutResponse", ("RefMsgId", refMsgId), ("InfCode", 0), ("Output", """[{"state":"other"}]"""));
        var (_, unknown) = await source.CallAsync("PutResponse", ("RefMsgId", "no-such-ref"), ("InfCode", 0), ("Output", "[]"));

        Assert.Equal(("Completed", "true"), (put.Element(Ns + "Status")!.Value, put.Element(Ns + "Stored")!.Value));
        Assert.Equal(("Completed", "false"), (again.Element(Ns + "Status")!.Value, again.Element(Ns + "Stored")!.Value));
        Assert.Equal("InvalidRequest", SoapClient.FaultCode(unknown));
        var answer = await insurer.CallOkAsync("GetResponse", ("MsgId", msgId));
        Assert.Equal(("0", """[{"policyNo":"P12345678","state":"active"}]"""), (answer.Element(Ns + "InfCode")!.Value, answer.Element(Ns + "Output")!.Value));
        Assert.Equal(1, await ScalarAsync(daemon.Config,
            "SELECT COUNT(*) FROM responses s JOIN requests r ON r.request_id = s.request_id WHERE r.ref_msg_id = @ref", ("@ref", refMsgId)));
    }

    private static async Task WaitUntilPollListsAsync(SoapClient client, string msgId)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // the agreed poll interval
            var poll = await client.CallOkAsync("Poll", ("MaxBatches", 1));
            if (poll.Elements(Ns + "CompletedRequest").Any(c => c.Element(Ns + "MsgId")!.Value == msgId))
            {
                return;
            }
        }

        throw new TimeoutException($"Poll did not list {msgId} as answered within 44 s.");
    }
}
