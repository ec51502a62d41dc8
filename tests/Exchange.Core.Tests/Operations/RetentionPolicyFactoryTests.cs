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
}
