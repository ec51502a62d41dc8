using System.IO.Compression;
using System.Text;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Delivery;

/// <summary>PushBatch: source principals only, idempotent by BatchKey, payload checked before anything is stored.</summary>
public sealed class PushBatchEndToEndTests
{
    private static string Gzip(string text)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return Convert.ToBase64String(compressed.ToArray());
    }

    private static string Push(string key, string payloadBase64, string dataset = "AC01", string format = "jsonl+gzip") =>
        $"<x:PushBatch><x:Dataset>{dataset}</x:Dataset><x:BatchKey>{key}</x:BatchKey><x:Format>{format}</x:Format><x:Payload>{payloadBase64}</x:Payload></x:PushBatch>";

    [Fact]
    public async Task PushBatch_BySource_StoresTheBatch_AndInsurersPollIt_WithItsRowCount()
    {
        await using var host = await StartAsync();

        var pushed = (await host.CallAsync(Push("k-1", Gzip("{\"a\":1}\n{\"a\":2}\n{\"a\":\"三\"}\n")), user: Source, password: SourcePassword)).Ok("PushBatchResponse");

        Assert.Equal("1", pushed.Element(SoapReply.X + "Seq")!.Value);
        Assert.Equal("false", pushed.Element(SoapReply.X + "Duplicate")!.Value);
        var poll = (await host.CallAsync("<x:Poll><x:Dataset>AC01</x:Dataset></x:Poll>")).Ok("PollResponse");
        var batch = Assert.Single(poll.Elements(SoapReply.X + "Batch"));
        Assert.Equal(pushed.Element(SoapReply.X + "BatchId")!.Value, batch.Element(SoapReply.X + "BatchId")!.Value);
        Assert.Equal("3", batch.Element(SoapReply.X + "RowCount")!.Value);
    }

    [Fact]
    public async Task PushBatch_WithARepeatedKey_ReturnsTheFirstBatch_AsDuplicate_WithoutStoringAgain()
    {
        await using var host = await StartAsync();
        var payload = Gzip("{\"a\":1}\n");

        var first = (await host.CallAsync(Push("k-1", payload), user: Source, password: SourcePassword)).Ok("PushBatchResponse");
        var again = (await host.CallAsync(Push("k-1", payload), user: Source, password: SourcePassword)).Ok("PushBatchResponse");

        Assert.Equal(first.Element(SoapReply.X + "BatchId")!.Value, again.Element(SoapReply.X + "BatchId")!.Value);
        Assert.Equal("true", again.Element(SoapReply.X + "Duplicate")!.Value);
        Assert.Equal(1, (await host.Store.Batches.GetDatasetStateAsync("AC01", default)).LastSeq);
    }

    [Fact]
    public async Task PushBatch_ReusingAKeyForOtherContent_IsInvalidRequest()
    {
        await using var host = await StartAsync();
        (await host.CallAsync(Push("k-1", Gzip("{\"a\":1}\n")), user: Source, password: SourcePassword)).Ok("PushBatchResponse");

        var reply = await host.CallAsync(Push("k-1", Gzip("{\"a\":2}\n")), user: Source, password: SourcePassword);

        reply.AssertFault("InvalidRequest");
        Assert.Contains("new BatchKey", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not gzip", "gzip")]
    [InlineData("{\"a\":1}\n[1,2]\n", "Line 2")]
    [InlineData("{\"a\":1}\n{\"a\":\n", "Line 2")]
    [InlineData("\n\n", "no rows")]
    public async Task PushBatch_WithABadPayload_IsInvalidRequest_NamingTheProblem_AndStoresNothing(string content, string named)
    {
        await using var host = await StartAsync();
        var payload = content == "not gzip" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(content)) : Gzip(content);

        var reply = await host.CallAsync(Push("k-1", payload), user: Source, password: SourcePassword);

        reply.AssertFault("InvalidRequest");
        Assert.Contains(named, reply.FaultMessage, StringComparison.Ordinal);
        Assert.Equal(0, (await host.Store.Batches.GetDatasetStateAsync("AC01", default)).LastSeq);
    }

    [Fact]
    public async Task PushBatch_WithAnotherFormat_IsInvalidRequest()
    {
        await using var host = await StartAsync();

        var reply = await host.CallAsync(Push("k-1", Gzip("{}\n"), format: "csv"), user: Source, password: SourcePassword);

        reply.AssertFault("InvalidRequest");
        Assert.Contains("jsonl+gzip", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushBatch_ByAnInsurer_OrIntoADatasetNotAllowed_IsForbidden()
    {
        await using var host = await StartAsync();

        (await host.CallAsync(Push("k-1", Gzip("{}\n")))).AssertFault("Forbidden");
        (await host.CallAsync(Push("k-2", Gzip("{}\n"), dataset: "KC24"), user: Source, password: SourcePassword)).AssertFault("Forbidden");
        Assert.Equal(0, (await host.Store.Batches.GetDatasetStateAsync("AC01", default)).LastSeq);
        Assert.Equal(0, (await host.Store.Batches.GetDatasetStateAsync("KC24", default)).LastSeq);
    }

    [Fact]
    public async Task Audit_MasksIdentityNumbers_InTheTableAndTheAuditLogFile()
    {
        await using var host = await StartAsync();
        const string Id = "11010519491231002X";

        (await host.CallAsync(Push(Id, Gzip("{}\n")), user: Source, password: SourcePassword)).Ok("PushBatchResponse");

        var entry = Assert.Single(await host.AuditAsync());
        Assert.Equal("AC01:110105********002X", entry.ObjectId);
        var line = Assert.Single(host.Logs.Lines, l => l.Contains(" Exchange.Audit ", StringComparison.Ordinal));
        Assert.Contains("operation=PushBatch principal=source-1 object=AC01:110105********002X outcome=ok remote=127.0.0.1 soap=SOAP 1.1", line, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(Id, StringComparison.Ordinal));
    }
}
