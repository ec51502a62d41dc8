using Exchange.Core.Extraction;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Extraction;

public sealed class RunBoundsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Earliest_TakesTheMinimum_AndNamesWhoSetIt()
    {
        var limit = RunLimit.Earliest([new("now", Now), new("standby replayed", Now.AddSeconds(-40)), new("commit horizon", Now.AddSeconds(-10))]);
        Assert.Equal(new RunBound("standby replayed", Now.AddSeconds(-40)), limit.Upper);
        Assert.Null(limit.Held);
    }

    [Fact]
    public void Earliest_OfOneBound_IsIt() => Assert.Equal(new RunBound("now", Now), RunLimit.Earliest([new("now", Now)]).Upper);

    [Fact]
    public void ReplicaLagHold_WithinTheLimit_HoldsNothing() =>
        Assert.Null(RunBounds.ReplicaLagHold(Source(TimeSpan.FromMinutes(5)), new ReplayState(Now.AddMinutes(-5), TimeSpan.FromMinutes(5))));

    [Fact]
    public void ReplicaLagHold_BeyondTheLimit_SaysHowFarBehindAndTheLimit()
    {
        var reason = RunBounds.ReplicaLagHold(Source(TimeSpan.FromMinutes(5)), new ReplayState(Now.AddMinutes(-7), TimeSpan.FromMinutes(7)));
        Assert.Equal(
            "the standby of source 'prod' (adg1@SIPROD) is 00:07:00 behind the primary (replayed through 2026-12-06T09:53:00.0000000+00:00), " +
            "more than MaxReplicaLag 00:05:00; the dataset waits until it catches up",
            reason);
    }

    private static SourceInfo Source(TimeSpan maxLag) =>
        new("prod", "oracle", SqlDialect.Oracle, TimeSpan.FromHours(8), "ora1@SIPROD", "adg1@SIPROD", ProbeTarget.Primary, maxLag);
}
