using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests;

/// <summary>The HTTP pipeline end to end: real Kestrel port, real SQLite staging store, SOAP 1.1 envelopes.</summary>
public sealed class ExchangeServiceEndToEndTests
{
    private static readonly XNamespace X = SoapReply.X;

    [Fact]
    public async Task PollFetchAck_DeliversBatchIntact_AndNextPollStartsAfterTheAck()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC01", rows: 7);
        await host.AppendBatchAsync("AC01", rows: 3);

        var poll = (await host.CallAsync("<x:Poll/>", soapAction: "urn:exchange:v1/Poll")).Ok("PollResponse");
        var batches = poll.Elements(X + "Batch").ToList();
        Assert.Equal(2, batches.Count);
        Assert.Equal("false", poll.Element(X + "HasMore")!.Value);
        Assert.Equal("30", poll.Element(X + "NextPollAfterSeconds")!.Value);
        var first = batches[0];
        Assert.Equal(
            ["BatchId", "Dataset", "Seq", "RowCount", "CreatedAt", "Format", "SizeBytes", "Sha256"],
            first.Elements().Select(e => e.Name.LocalName));

        var batchId = first.Element(X + "BatchId")!.Value;
        var fetch = (await host.CallAsync($"<x:FetchBatch><x:BatchId>{batchId}</x:BatchId></x:FetchBatch>")).Ok("FetchBatchResponse");
        var header = fetch.Element(X + "Header")!;
        var payload = Convert.FromBase64String(fetch.Element(X + "Payload")!.Value);
        var raw = Batches.Gunzip(payload);
        var lines = Encoding.UTF8.GetString(raw).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(int.Parse(header.Element(X + "RowCount")!.Value, CultureInfo.InvariantCulture), lines.Length);
        Assert.Equal(7, lines.Length);
        Assert.Equal(header.Element(X + "Sha256")!.Value, Convert.ToHexStringLower(SHA256.HashData(raw)));
        Assert.Equal(payload.Length, long.Parse(header.Element(X + "SizeBytes")!.Value, CultureInfo.InvariantCulture));
        Assert.Equal("jsonl+gzip", header.Element(X + "Format")!.Value);

        var seq = header.Element(X + "Seq")!.Value;
        var ack = (await host.CallAsync($"<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>{seq}</x:Seq></x:Ack>")).Ok("AckResponse");
        Assert.Equal("AC01", ack.Element(X + "Dataset")!.Value);
        Assert.Equal(seq, ack.Element(X + "AckedSeq")!.Value);

        host.Time.Advance(TimeSpan.FromSeconds(30));
        var next = (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
        Assert.Equal(["2"], next.Elements(X + "Batch").Select(b => b.Element(X + "Seq")!.Value));
    }

    [Fact]
    public async Task Poll_ReturnsOnlyUnackedBatches_OrderedByDatasetThenSeq_AcrossAllowedDatasets()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("KC24", 1);
        await host.AppendBatchAsync("AC01", 1);
        await host.AppendBatchAsync("AC43", 1); // insurer-a may not see AC43
        await host.AppendBatchAsync("AC01", 1);
        await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>");

        var poll = (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");

        Assert.Equal(
            ["AC01:2", "KC24:1"],
            poll.Elements(X + "Batch").Select(b => $"{b.Element(X + "Dataset")!.Value}:{b.Element(X + "Seq")!.Value}"));
    }

    [Fact]
    public async Task Poll_StopsAtMaxBatches_AndReportsHasMore()
    {
        await using var host = await StartAsync(maxBatchesPerPoll: 2);
        for (var i = 0; i < 3; i++)
        {
            await host.AppendBatchAsync("AC01", 1);
        }

        var capped = (await host.CallAsync("<x:Poll><x:MaxBatches>50</x:MaxBatches></x:Poll>")).Ok("PollResponse");
        Assert.Equal(2, capped.Elements(X + "Batch").Count());
        Assert.Equal("true", capped.Element(X + "HasMore")!.Value);

        host.Time.Advance(TimeSpan.FromSeconds(30));
        var one = (await host.CallAsync("<x:Poll><x:Dataset>AC01</x:Dataset><x:MaxBatches>1</x:MaxBatches></x:Poll>")).Ok("PollResponse");
        Assert.Single(one.Elements(X + "Batch"));
        Assert.Equal("true", one.Element(X + "HasMore")!.Value);
    }

    [Theory]
    [InlineData(Credentials.UsernameToken)]
    [InlineData(Credentials.Basic)]
    public async Task Poll_Authenticates_WithUsernameTokenOrHttpBasic(Credentials credentials)
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC43", 2);

        var poll = (await host.CallAsync("<x:Poll/>", credentials, InsurerB, InsurerBPassword)).Ok("PollResponse");

        Assert.Single(poll.Elements(X + "Batch"));
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: InsurerB, Operation: "Poll", Outcome: "ok" });
    }

    [Theory]
    [InlineData(Credentials.UsernameToken)]
    [InlineData(Credentials.Basic)]
    public async Task WrongPassword_IsAuthFailedWithHttp500_AndThePasswordIsNeitherEchoedNorLogged(Credentials credentials)
    {
        await using var host = await StartAsync();
        const string WrongPassword = "wrong-password-4711";

        var reply = await host.CallAsync("<x:Poll/>", credentials, InsurerA, WrongPassword);

        reply.AssertFault("AuthFailed");
        Assert.Equal("soap:Client", reply.Body.Element("faultcode")!.Value);
        Assert.DoesNotContain(WrongPassword, reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(InsurerAPassword, reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(WrongPassword, StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.Contains("Authentication failed", StringComparison.Ordinal) && l.Contains(InsurerA, StringComparison.Ordinal) && l.Contains("127.0.0.1", StringComparison.Ordinal));
        var audit = Assert.Single(await host.AuditAsync());
        Assert.Equal(("(anonymous)", "Poll", "AuthFailed", "127.0.0.1"), (audit.Principal, audit.Operation, audit.Outcome, audit.RemoteAddress));
    }

    [Fact]
    public async Task UnknownUserAndMissingCredentials_AreAuthFailed()
    {
        await using var host = await StartAsync();

        (await host.CallAsync("<x:Poll/>", Credentials.Basic, "nobody", "x")).AssertFault("AuthFailed");
        (await host.CallAsync("<x:Poll/>", Credentials.None)).AssertFault("AuthFailed");
    }

    [Fact]
    public async Task FetchBatch_OfUnknownId_IsUnknownBatch()
    {
        await using var host = await StartAsync();

        var reply = await host.CallAsync("<x:FetchBatch><x:BatchId>424242</x:BatchId></x:FetchBatch>");

        reply.AssertFault("UnknownBatch");
        Assert.Contains("424242", reply.FaultMessage, StringComparison.Ordinal);
        Assert.Contains(await host.AuditAsync(), a => a is { Operation: "FetchBatch", ObjectId: "424242", Outcome: "UnknownBatch" });
    }

    [Fact]
    public async Task FetchBatch_OfAnotherInsurersDataset_IsUnknownBatch_NotForbidden()
    {
        await using var host = await StartAsync();
        var other = await host.AppendBatchAsync("AC43", 1);

        var reply = await host.CallAsync($"<x:FetchBatch><x:BatchId>{other.BatchId}</x:BatchId></x:FetchBatch>");

        reply.AssertFault("UnknownBatch");
    }

    [Fact]
    public async Task Poll_OfDatasetNotAllowed_IsForbidden()
    {
        await using var host = await StartAsync();

        var reply = await host.CallAsync("<x:Poll><x:Dataset>AC43</x:Dataset></x:Poll>");

        reply.AssertFault("Forbidden");
        Assert.Contains("AC43", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poll_BySourcePrincipal_IsForbidden()
    {
        await using var host = await StartAsync();

        (await host.CallAsync("<x:Poll/>", Credentials.Basic, Source, SourcePassword)).AssertFault("Forbidden");
    }

    [Fact]
    public async Task Ack_BeyondLastBatch_IsAckOutOfRange_AndAtOrBelowCursorIsIdempotent()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC01", 1);
        await host.AppendBatchAsync("AC01", 1);

        var beyond = await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>3</x:Seq></x:Ack>");
        beyond.AssertFault("AckOutOfRange");
        Assert.Contains("last Seq 2", beyond.FaultMessage, StringComparison.Ordinal);

        Assert.Equal("2", (await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>2</x:Seq></x:Ack>")).Ok("AckResponse").Element(X + "AckedSeq")!.Value);
        Assert.Equal("2", (await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>")).Ok("AckResponse").Element(X + "AckedSeq")!.Value);
        Assert.Empty((await host.CallAsync("<x:Poll/>")).Ok("PollResponse").Elements(X + "Batch"));
    }

    [Fact]
    public async Task Ack_OfDatasetNotAllowed_IsForbidden()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC43", 1);

        (await host.CallAsync("<x:Ack><x:Dataset>AC43</x:Dataset><x:Seq>1</x:Seq></x:Ack>")).AssertFault("Forbidden");
        Assert.Equal(0, await host.Store.GetCursorAsync(InsurerA, "AC43", CancellationToken.None));
    }

    [Theory]
    [InlineData("this is not xml")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>")]
    [InlineData("")]
    public async Task NonXmlBody_IsInvalidRequest(string body)
    {
        await using var host = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ExchangeService") { Content = new StringContent(body, Encoding.UTF8, "text/xml") };

        var reply = await host.SendAsync(request);

        reply.AssertFault("InvalidRequest");
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: "(anonymous)", Outcome: "InvalidRequest" });
    }

    [Theory]
    [InlineData("<x:Poll><x:MaxBatches>many</x:MaxBatches></x:Poll>", "MaxBatches")]
    [InlineData("<x:Poll><x:MaxBatches>0</x:MaxBatches></x:Poll>", "MaxBatches")]
    [InlineData("<x:FetchBatch><x:BatchId>1' OR '1'='1</x:BatchId></x:FetchBatch>", "BatchId")]
    [InlineData("<x:Ack><x:Seq>1</x:Seq></x:Ack>", "Dataset")]
    [InlineData("<x:Poll><Dataset>AC01</Dataset></x:Poll>", "Dataset")]
    [InlineData("<Poll xmlns=\"urn:other\"/>", "urn:other")]
    [InlineData("<x:SubmitRequest><x:MsgId>1</x:MsgId><x:InfNo>1101</x:InfNo></x:SubmitRequest>", "SubmitRequest")]
    public async Task RequestThatDoesNotMatchTheContract_IsInvalidRequest_NamingTheProblem(string operationXml, string named)
    {
        await using var host = await StartAsync();

        var reply = await host.CallAsync(operationXml);

        reply.AssertFault("InvalidRequest");
        Assert.Contains(named, reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SoapAction_ThatNamesAnotherOperation_IsInvalidRequest()
    {
        await using var host = await StartAsync();

        var reply = await host.CallAsync("<x:Poll/>", soapAction: "urn:exchange:v1/Ack");

        reply.AssertFault("InvalidRequest");
        Assert.Contains("urn:exchange:v1/Poll", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFailure_IsUnavailable_WithoutSqlOrDetailsInTheFault()
    {
        await using var host = await StartAsync();
        await host.BreakStoreAsync();

        var reply = await host.CallAsync("<x:Poll/>");

        reply.AssertFault("Unavailable");
        Assert.Equal("soap:Server", reply.Body.Element("faultcode")!.Value);
        Assert.DoesNotContain("cursors", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SELECT", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("staging.db", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", reply.Text, StringComparison.Ordinal);
        Assert.Contains(host.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("cursors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryCall_IsAudited_WithPrincipalOperationObjectAndOutcome()
    {
        await using var host = await StartAsync();
        var batch = await host.AppendBatchAsync("AC01", 1);

        await host.CallAsync("<x:Poll><x:Dataset>AC01</x:Dataset></x:Poll>");
        await host.CallAsync($"<x:FetchBatch><x:BatchId>{batch.BatchId}</x:BatchId></x:FetchBatch>");
        await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>");
        await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>9</x:Seq></x:Ack>");

        Assert.Equal(
            [
                (InsurerA, "Poll", "AC01", "ok"),
                (InsurerA, "FetchBatch", batch.BatchId.ToString(CultureInfo.InvariantCulture), "ok"),
                (InsurerA, "Ack", "AC01:1", "ok"),
                (InsurerA, "Ack", "AC01:9", "AckOutOfRange"),
            ],
            (await host.AuditAsync()).Select(a => (a.Principal, a.Operation, a.ObjectId, a.Outcome)));
    }

    [Fact]
    public async Task Wsdl_IsServedWellFormed_WithTheRequestedAddress_AndAnInlineSchemaThatCompiles()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/ExchangeService?wsdl");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var wsdl = XDocument.Parse(text);
        XNamespace w = "http://schemas.xmlsoap.org/wsdl/";
        XNamespace soap = "http://schemas.xmlsoap.org/wsdl/soap/";
        XNamespace soap12 = "http://schemas.xmlsoap.org/wsdl/soap12/";
        string[] operations = ["Poll", "FetchBatch", "Ack", "SubmitRequest", "GetResponse", "PushBatch", "TakePendingRequests", "PutResponse"];
        Assert.Equal(operations, wsdl.Root!.Element(w + "portType")!.Elements(w + "operation").Select(o => (string)o.Attribute("name")!));
        Assert.Equal(operations.Select(o => "urn:exchange:v1/" + o), wsdl.Descendants(soap + "operation").Select(o => (string)o.Attribute("soapAction")!));
        Assert.Equal(operations.Select(o => "urn:exchange:v1/" + o), wsdl.Descendants(soap12 + "operation").Select(o => (string)o.Attribute("soapAction")!));
        Assert.Equal(["document", "document"], wsdl.Descendants().Where(e => e.Name == soap + "binding" || e.Name == soap12 + "binding").Select(b => (string)b.Attribute("style")!));
        Assert.All(wsdl.Descendants().Where(e => e.Name == soap + "body" || e.Name == soap12 + "body"), b => Assert.Equal("literal", (string)b.Attribute("use")!));
        var expected = new Uri(host.Client.BaseAddress!, "/ExchangeService").ToString();
        Assert.Equal(expected, (string)wsdl.Descendants(soap + "address").Single().Attribute("location")!);
        Assert.Equal(expected, (string)wsdl.Descendants(soap12 + "address").Single().Attribute("location")!);

        var schemas = new System.Xml.Schema.XmlSchemaSet();
        XNamespace xs = "http://www.w3.org/2001/XMLSchema";
        using (var reader = wsdl.Descendants(xs + "schema").Single().CreateReader())
        {
            schemas.Add(null, reader);
        }

        schemas.Compile();
        foreach (var element in new[] { "Poll", "PollResponse", "FetchBatch", "FetchBatchResponse", "Ack", "AckResponse", "SubmitRequest", "SubmitRequestResponse", "GetResponse", "GetResponseResponse", "PushBatch", "PushBatchResponse", "TakePendingRequests", "TakePendingRequestsResponse", "PutResponse", "PutResponseResponse", "ExchangeFault" })
        {
            Assert.True(schemas.GlobalElements.Contains(new System.Xml.XmlQualifiedName(element, "urn:exchange:v1")), element);
        }
    }
}
