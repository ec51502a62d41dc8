using Exchange.Core.Load;

namespace Exchange.Core.Tests.Load;

public sealed class GateTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hibernation = TimeSpan.FromMinutes(10);

    private static ProbeReading Reading(double? value, string? error = null) => new("active", value, error, Busy: 10, Idle: 4, Critical: 50);

    private static GateMemory Step(GateMemory memory, double? value, int idleSamples = 3, DateTimeOffset? at = null) =>
        GateTransitions.Next(memory, [Reading(value, value is null ? "connection refused" : null)], idleSamples, Hibernation, at ?? T0);

    private static GateMemory Idle => new(GateState.Idle, 0, null, "idle");

    [Fact]
    public void Next_StartsBusy_AndOpensOnlyAfterNConsecutiveIdleSamples()
    {
        var m = GateMemory.Initial;
        Assert.Equal(GateState.Busy, m.State);
        m = Step(m, 1);
        Assert.Equal((GateState.Busy, 1), (m.State, m.IdleStreak));
        m = Step(m, 2);
        Assert.Equal((GateState.Busy, 2), (m.State, m.IdleStreak));
        m = Step(m, 3);
        Assert.Equal(GateState.Idle, m.State);
    }

    [Fact]
    public void Next_ResetsTheIdleStreak_WhenASampleIsBetweenTheThresholds()
    {
        var m = Step(Step(GateMemory.Initial, 1), 1);
        Assert.Equal(2, m.IdleStreak);
        m = Step(m, 6); // between idle (4) and busy (10)
        Assert.Equal((GateState.Busy, 0), (m.State, m.IdleStreak));
        m = Step(Step(m, 1), 1);
        Assert.Equal(GateState.Busy, m.State);
        Assert.Equal(GateState.Idle, Step(m, 1).State);
    }

    [Fact]
    public void Next_KeepsAnIdleGateOpen_BetweenTheThresholds_Hysteresis()
    {
        var m = Step(Idle, 6);
        Assert.Equal(GateState.Idle, m.State);
        m = Step(m, 9.99);
        Assert.Equal(GateState.Idle, m.State);
        Assert.Equal(GateState.Busy, Step(m, 10).State);
    }

    [Fact]
    public void Next_CountsAFailedProbeAsBusy_AndNamesTheError()
    {
        var m = Step(Idle, null);
        Assert.Equal(GateState.Busy, m.State);
        Assert.Contains("active failed: connection refused", m.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_TakesTheWorstProbe_WhenSeveralAreConfigured()
    {
        var readings = new[] { Reading(1), new ProbeReading("cpu", 95, null, Busy: 80, Idle: 60, Critical: null) };
        var m = GateTransitions.Next(Idle, readings, 3, Hibernation, T0);
        Assert.Equal(GateState.Busy, m.State);
        Assert.Equal("cpu", m.Cause!.Probe);
    }

    [Fact]
    public void Next_Hibernates_AtTheCriticalThreshold_UntilTheConfiguredTime()
    {
        var m = Step(Idle, 50);
        Assert.Equal(GateState.Hibernating, m.State);
        Assert.Equal(T0 + Hibernation, m.HibernateUntil);
        Assert.Contains("critical", m.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MaySample_IsFalseDuringTheHibernation_SoNoQueryReachesTheSource()
    {
        var m = Step(Idle, 60);
        Assert.False(GateTransitions.MaySample(m, T0 + TimeSpan.FromMinutes(9)));
        Assert.True(GateTransitions.MaySample(m, T0 + Hibernation));
        Assert.True(GateTransitions.MaySample(Idle, T0));
    }

    [Fact]
    public void Next_IgnoresSamplesDuringTheHibernation_AndLeavesItBusyAfterwards()
    {
        var m = Step(Idle, 60);
        Assert.Same(m, Step(m, 1, at: T0 + TimeSpan.FromMinutes(1)));
        var after = Step(m, 1, idleSamples: 2, at: T0 + Hibernation);
        Assert.Equal((GateState.Busy, 1), (after.State, after.IdleStreak));
        Assert.Equal(GateState.Idle, Step(after, 1, idleSamples: 2, at: T0 + Hibernation).State);
    }

    [Fact]
    public void FreshFor_IsTwoSampleIntervalsAndTheSlowestProbesTimeout()
    {
        var options = new SourceLoadOptions
        {
            SampleInterval = TimeSpan.FromSeconds(2),
            Probes = [new ProbeOptions { Timeout = TimeSpan.FromSeconds(5) }, new ProbeOptions { Timeout = TimeSpan.FromSeconds(8) }],
        };
        Assert.Equal(TimeSpan.FromSeconds(12), GateTransitions.FreshFor(options));
    }

    [Fact]
    public void Expire_KeepsAFreshMemory_ButMakesAStaleOneBusy_CountingIdleSamplesFromZero()
    {
        var fresh = TimeSpan.FromSeconds(9);
        var m = Step(Step(GateMemory.Initial, 1, idleSamples: 2), 1, idleSamples: 2);
        Assert.Equal(GateState.Idle, m.State);
        Assert.Same(m, GateTransitions.Expire(m, T0, T0 + fresh, fresh));
        var stale = GateTransitions.Expire(m, T0, T0 + fresh + TimeSpan.FromTicks(1), fresh);
        Assert.Equal((GateState.Busy, 0), (stale.State, stale.IdleStreak));
        Assert.Contains("no load sample since 2026-11-22T02:00:00.0000000+00:00", stale.Reason, StringComparison.Ordinal);
        Assert.Equal(GateState.Busy, Step(stale, 1, idleSamples: 2).State); // one fresh idle sample is not enough

        var busyOnTheWay = Step(GateMemory.Initial, 1);
        Assert.Equal(0, GateTransitions.Expire(busyOnTheWay, T0, T0 + TimeSpan.FromMinutes(1), fresh).IdleStreak);
    }

    [Fact]
    public void Expire_KeepsAHibernation_WhichEndsAtItsOwnTime()
    {
        var m = Step(Idle, 60);
        Assert.Same(m, GateTransitions.Expire(m, T0, T0 + TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(9)));
    }

    [Fact]
    public void IsWarmingUp_WhileGatheringSamples_NotWhenAReadingFoundTheSourceBusy()
    {
        var fresh = TimeSpan.FromSeconds(9);
        Assert.True(GateTransitions.IsWarmingUp(GateMemory.Initial, null, T0, fresh));
        Assert.True(GateTransitions.IsWarmingUp(Step(GateMemory.Initial, 1), T0, T0, fresh));
        Assert.True(GateTransitions.IsWarmingUp(Idle, T0, T0 + TimeSpan.FromMinutes(1), fresh)); // stale
        Assert.False(GateTransitions.IsWarmingUp(Idle, T0, T0, fresh));
        Assert.False(GateTransitions.IsWarmingUp(Step(Idle, 12), T0, T0, fresh));
        Assert.False(GateTransitions.IsWarmingUp(Step(Idle, null), T0, T0, fresh)); // a failed probe is busy, not unknown
        var hibernating = Step(Idle, 60);
        Assert.False(GateTransitions.IsWarmingUp(hibernating, T0, T0 + TimeSpan.FromMinutes(1), fresh));
        Assert.True(GateTransitions.IsWarmingUp(hibernating, T0, T0 + Hibernation, fresh));
    }

    [Fact]
    public void Next_IsBusy_WhenThereAreNoReadings()
    {
        Assert.Equal(GateState.Busy, GateTransitions.Next(Idle, [], 3, Hibernation, T0).State);
    }
}
