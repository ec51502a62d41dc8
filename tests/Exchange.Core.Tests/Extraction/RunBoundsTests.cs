using Exchange.Core.Extraction;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Extraction;

public sealed class RunBoundsTests
{
    private static readonly DateTimeOffset SourceNow = new(2026, 12, 6, 10, 0, 30, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Earliest_OpenTransactionOlderThanTheLag_BoundsTheRunJustBeforeItsStartingSecond()
    {
        var started = new DateTimeOffset(2026, 12, 6, 9, 58, 12, TimeSpan.Zero).AddTicks(4_567_000);

        var bound = RunBounds.Earliest([RunBounds.SafetyLag(SourceNow, TimeSpan.FromSeconds(5)), RunBounds.CommitHorizon(started)]);

        Assert.Equal(RunBounds.CommitHorizonName, bound.Name);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 9, 58, 11, TimeSpan.Zero).AddTicks(TimeSpan.TicksPerSecond - 10), bound.At);
    }

    [Fact]
    public void Earliest_OpenTransactionYoungerThanTheLag_LeavesTheSafetyLagBound()
    {
        var bound = RunBounds.Earliest([RunBounds.SafetyLag(SourceNow, TimeSpan.FromSeconds(5)), RunBounds.CommitHorizon(SourceNow.AddSeconds(-1))]);

        Assert.Equal(RunBounds.SafetyLagName, bound.Name);
        Assert.Equal(SourceNow.AddSeconds(-5), bound.At);
    }

    [Fact]
    public void Earliest_NoBound_IsRefused() => Assert.Throws<ArgumentException>(() => RunBounds.Earliest([]));

    [Fact]
    public void StandbyReplayed_IsTheReplayedPointMinusTheSafetyLag_AndTakesPartInTheEarliest()
    {
        var standby = RunBounds.StandbyReplayed(Now.AddSeconds(-40), TimeSpan.FromSeconds(2));
        Assert.Equal(new RunBound(RunBounds.StandbyReplayedName, Now.AddSeconds(-42)), standby);
        Assert.Equal(standby, RunBounds.Earliest([RunBounds.SafetyLag(Now, TimeSpan.FromSeconds(2)), standby, RunBounds.CommitHorizon(Now.AddSeconds(-10))]));
    }

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
