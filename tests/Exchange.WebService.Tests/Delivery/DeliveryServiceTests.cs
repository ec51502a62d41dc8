using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.WebService.Tests.Infrastructure;

namespace Exchange.WebService.Tests.Delivery;

/// <summary>DeliveryService over a real SQLite staging store.</summary>
public sealed class DeliveryServiceTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly SqliteStagingStore _store;
    private readonly DeliveryService _delivery;
    private readonly Principal _insurer = Principal("insurer-a", PrincipalRole.Insurer, TimeSpan.FromSeconds(2.5), "AC01", "KC24");

    public DeliveryServiceTests()
    {
        _store = new SqliteStagingStore($"Data Source={_folder.File("staging.db")}", TimeProvider.System);
        _delivery = new DeliveryService(_store, maxBatchesPerPoll: 3);
    }

    public Task InitializeAsync() => _store.MigrateAsync(CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Poll_ReportsHasMore_WhenALaterDatasetWaits_AfterTheAnswerIsFull()
    {
        await AppendAsync("AC01", 1);
        await AppendAsync("KC24", 1);

        var result = await _delivery.PollAsync(_insurer, null, 1, CancellationToken.None);

        Assert.Equal(["AC01"], result.Batches.Select(b => b.Dataset));
        Assert.True(result.HasMore);
    }

    [Fact]
    public async Task Poll_ReportsNoMore_WhenTheAnswerIsExactlyFull()
    {
        await AppendAsync("AC01", 2);
        await AppendAsync("KC24", 1);

        var result = await _delivery.PollAsync(_insurer, null, 3, CancellationToken.None);

        Assert.Equal(3, result.Batches.Count);
        Assert.False(result.HasMore);
    }

    [Fact]
    public async Task Poll_CapsMaxBatches_AtTheConfiguredMaximum()
    {
        await AppendAsync("AC01", 5);

        var result = await _delivery.PollAsync(_insurer, "AC01", 1000, CancellationToken.None);

        Assert.Equal(3, result.Batches.Count);
        Assert.True(result.HasMore);
    }

    [Fact]
    public async Task Poll_ReturnsOnlyUnackedBatches_WhenCursorIsAhead()
    {
        await AppendAsync("AC01", 3);
        await _delivery.AckAsync(_insurer, "AC01", 2, CancellationToken.None);

        var result = await _delivery.PollAsync(_insurer, "AC01", null, CancellationToken.None);

        Assert.Equal([3L], result.Batches.Select(b => b.Seq));
    }

    [Fact]
    public async Task Poll_RoundsTheMinimumIntervalUp_ToWholeSeconds()
    {
        var result = await _delivery.PollAsync(_insurer, null, null, CancellationToken.None);

        Assert.Equal(3, result.NextPollAfterSeconds);
        Assert.Empty(result.Batches);
        Assert.False(result.HasMore);
    }

    [Fact]
    public async Task Cursors_AreKeptPerInsurer()
    {
        var other = Principal("insurer-b", PrincipalRole.Insurer, TimeSpan.Zero, "AC01");
        await AppendAsync("AC01", 2);
        await _delivery.AckAsync(_insurer, "AC01", 2, CancellationToken.None);

        var result = await _delivery.PollAsync(other, "AC01", null, CancellationToken.None);

        Assert.Equal([1L, 2L], result.Batches.Select(b => b.Seq));
    }

    [Fact]
    public async Task Ack_OfNegativeSeq_IsInvalidRequest()
    {
        var fault = await Assert.ThrowsAsync<ExchangeFaultException>(() => _delivery.AckAsync(_insurer, "AC01", -1, CancellationToken.None));

        Assert.Equal(ExchangeFaultCode.InvalidRequest, fault.Code);
    }

    [Fact]
    public async Task Ack_InEmptyDataset_IsAckOutOfRange_SayingThereAreNoBatches()
    {
        var fault = await Assert.ThrowsAsync<ExchangeFaultException>(() => _delivery.AckAsync(_insurer, "AC01", 1, CancellationToken.None));

        Assert.Equal(ExchangeFaultCode.AckOutOfRange, fault.Code);
        Assert.Contains("no batches", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchBatch_BySource_IsForbidden()
    {
        var source = Principal("source-1", PrincipalRole.Source, TimeSpan.Zero, "AC01");
        var header = (await AppendAsync("AC01", 1))[0];

        var fault = await Assert.ThrowsAsync<ExchangeFaultException>(() => _delivery.FetchBatchAsync(source, header.BatchId, CancellationToken.None));

        Assert.Equal(ExchangeFaultCode.Forbidden, fault.Code);
    }

    private async Task<List<BatchHeader>> AppendAsync(string dataset, int count)
    {
        var headers = new List<BatchHeader>();
        for (var i = 0; i < count; i++)
        {
            var state = await _store.GetDatasetStateAsync(dataset, CancellationToken.None);
            headers.Add(await _store.AppendBatchAsync(Batches.Make(dataset, 2, state.Watermark, $"w{state.LastSeq + 1}"), CancellationToken.None));
        }

        return headers;
    }

    private static Principal Principal(string name, PrincipalRole role, TimeSpan minPollInterval, params string[] datasets) =>
        new(name, role, "unused", datasets.ToHashSet(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), minPollInterval);
}
