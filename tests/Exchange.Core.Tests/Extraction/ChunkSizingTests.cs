using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class ChunkSizingTests
{
    private static readonly TimeSpan Target = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void Next_GrowsAtMostTwofold_WhenChunksAreFast()
    {
        Assert.Equal(2000, ChunkSizing.Next(1000, 1000, TimeSpan.FromMilliseconds(10), Target, 50_000));
    }

    [Fact]
    public void Next_AimsAtTheTargetTime()
    {
        Assert.Equal(1250, ChunkSizing.Next(1000, 1000, TimeSpan.FromMilliseconds(400), Target, 50_000));
        Assert.Equal(500, ChunkSizing.Next(1000, 1000, TimeSpan.FromMilliseconds(1000), Target, 50_000));
    }

    [Fact]
    public void Next_ShrinksAtMostFourfold_WhenAChunkIsVerySlow()
    {
        Assert.Equal(250, ChunkSizing.Next(1000, 1000, TimeSpan.FromSeconds(30), Target, 50_000));
    }

    [Fact]
    public void Next_StaysWithinTheMinimumAndMaximum()
    {
        Assert.Equal(50_000, ChunkSizing.Next(40_000, 40_000, TimeSpan.FromMilliseconds(1), Target, 50_000));
        Assert.Equal(ChunkSizing.MinRows, ChunkSizing.Next(12, 12, TimeSpan.FromMinutes(1), Target, 50_000));
    }

    [Fact]
    public void Next_KeepsTheSize_WhenTheTargetIsZero_OrTheChunkWasShort()
    {
        Assert.Equal(1000, ChunkSizing.Next(1000, 1000, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, 50_000));
        Assert.Equal(1000, ChunkSizing.Next(1000, 10, TimeSpan.FromMilliseconds(1), Target, 50_000));
    }
}
