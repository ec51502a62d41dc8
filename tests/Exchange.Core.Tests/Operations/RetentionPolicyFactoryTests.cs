using Exchange.Core.Configuration;
using Exchange.Core.Operations;

namespace Exchange.Core.Tests.Operations;

public sealed class RetentionPolicyFactoryTests
{
    [Fact]
    public void At_SubtractsEachKeepTime_AndListsOnlyInsurersWithTheirDatasets()
    {
        var options = new ExchangeOptions();
        options.Retention.Batches = TimeSpan.FromDays(3);
        options.Retention.Requests = TimeSpan.FromDays(10);
        options.Retention.Audit = TimeSpan.FromDays(200);
        options.Principals.Add(new PrincipalOptions { Name = "ins-a", Role = "insurer", Datasets = ["AC01", "AC43"] });
        options.Principals.Add(new PrincipalOptions { Name = "pusher", Role = "source", Datasets = ["AC01"] });
        var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

        var policy = RetentionPolicyFactory.At(now, options);

        Assert.Equal(now.AddDays(-3), policy.BatchesBefore);
        Assert.Equal(now.AddDays(-10), policy.RequestsBefore);
        Assert.Equal(now.AddDays(-200), policy.AuditBefore);
        Assert.Equal(now.AddDays(-7), policy.LoadSamplesBefore);
        var insurer = Assert.Single(policy.InsurerDatasets);
        Assert.Equal("ins-a", insurer.Key);
        Assert.Equal(["AC01", "AC43"], insurer.Value);
    }

    [Fact]
    public void SnapshotSummary_NamesGateBacklogLastBatchAndOpenRequests()
    {
        var at = new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);
        var snapshot = new OperatorSnapshot(
            at,
            [new DatasetStatus("AC01", "w", 7, at, 7, 1, 10), new DatasetStatus("KC24", "w", 2, at.AddMinutes(-5), 2, 0, 0)],
            [new InsurerBacklog("ins-a", "AC01", 4, 7, null), new InsurerBacklog("ins-a", "KC24", 0, 2, null)],
            new Dictionary<string, long> { ["Pending"] = 2, ["Processing"] = 1, ["Completed"] = 9 },
            [new LoadSample(at, "prod", "sessions", 50, "Busy", "sessions 50 >= 40")],
            null);

        Assert.Equal("gate: prod Busy; backlog: ins-a 5; last batch AC01#7; 3 requests open", snapshot.Summary());
    }
}
