using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;

namespace Exchange.Core.Tests.Operations;

public sealed class OperatorSnapshotTests
{
    [Fact]
    public void Summary_NamesGateBacklogLastBatchAndOpenRequests()
    {
        var at = new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);
        var snapshot = new OperatorSnapshot(
            at,
            [new DatasetStatus("AC01", "w", 7, at, 7, 1, 10), new DatasetStatus("KC24", "w", 2, at.AddMinutes(-5), 2, 0, 0)],
            [new InsurerBacklog("ins-a", "AC01", 4, 7, null), new InsurerBacklog("ins-a", "KC24", 0, 2, null)],
            new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 2, [RequestStatus.Processing] = 1, [RequestStatus.Completed] = 9 },
            [new LoadSample(at, "prod", "sessions", 50, GateState.Busy, "sessions 50 >= 40")],
            [],
            null);

        Assert.Equal("gate: prod Busy; backlog: ins-a 5; last batch AC01#7; 3 requests open", snapshot.Summary());
    }

    [Fact]
    public void Summary_BeforeTheFirstRead_SaysStarting() => Assert.Equal("starting", OperatorSnapshot.Empty.Summary());
}
