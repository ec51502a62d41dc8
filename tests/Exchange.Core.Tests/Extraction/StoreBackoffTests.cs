using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class StoreBackoffTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(1000, 30)]
    public void Pause_DoublesWithEachFailureInARow_UpToTheCap(int failures, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), StoreBackoff.Pause(failures, Minute, TimeSpan.FromMinutes(30)));

    [Fact]
    public void Pause_DoesNotOverflow_WithTheLargestCap() =>
        Assert.Equal(TimeSpan.MaxValue, StoreBackoff.Pause(int.MaxValue, Minute, TimeSpan.MaxValue));

    [Fact]
    public void Pause_RefusesNoFailure() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => StoreBackoff.Pause(0, Minute, Minute));
}
