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
    public void Next_IsBusy_WhenThereAreNoReadings()
    {
        Assert.Equal(GateState.Busy, GateTransitions.Next(Idle, [], 3, Hibernation, T0).State);
    }
}
