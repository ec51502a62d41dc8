using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class RunBoundsTests
{
    private static readonly DateTimeOffset SourceNow = new(2026, 12, 6, 10, 0, 30, TimeSpan.Zero);

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
}
