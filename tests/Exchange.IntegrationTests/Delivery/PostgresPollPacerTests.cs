using Exchange.Core.Delivery;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Delivery;

/// <summary>The poll pacer of several nodes on one PostgreSQL staging store: the contract, shared by two instances.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPollPacerTests : PollPacerContract, IAsyncLifetime
{
    private readonly SharedStagingStore _store;

    public PostgresPollPacerTests(PostgresCluster cluster)
    {
        _store = new SharedStagingStore(cluster, Clock);
    }

    protected override async Task<IPollPacer> CreateAsync() => new PostgresPollPacer(await _store.CreateAsync("pacing"), Clock);

    [PostgresFact]
    public async Task APollOnOneNode_MakesAPollOnAnotherWithinTheInterval_PollTooSoon()
    {
        var nodeA = await CreateAsync();
        var nodeB = new PostgresPollPacer(_store.Node(), Clock);
        var insurer = Insurer("insurer-a");
        await nodeA.BeginAsync(insurer, default);
        Clock.Advance(TimeSpan.FromSeconds(12));

        var early = await Assert.ThrowsAsync<ExchangeFaultException>(() => nodeB.BeginAsync(insurer, default).AsTask());

        Assert.Equal(ExchangeFaultCode.PollTooSoon, early.Code);
        Assert.Equal(18, early.RetryAfterSeconds);
    }

    [PostgresFact]
    public async Task PollsSentToTwoNodesAtOnce_LetExactlyOneThrough()
    {
        var nodes = new IPollPacer[] { await CreateAsync(), new PostgresPollPacer(_store.Node(), Clock) };
        var insurer = Insurer("insurer-a");
        for (var round = 0; round < 10; round++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
            {
                try
                {
                    await nodes[i % 2].BeginAsync(insurer, default);
                    return true;
                }
                catch (ExchangeFaultException ex) when (ex.Code == ExchangeFaultCode.PollTooSoon)
                {
                    return false;
                }
            }));
            Assert.Single(outcomes, admitted => admitted);
            Clock.Advance(TimeSpan.FromSeconds(30));
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _store.DisposeAsync().AsTask();
}
