namespace Exchange.Core.Extraction;

/// <summary>Adapts the rows per chunk so that a chunk takes about the target time: short enough to yield quickly to production, long enough to be efficient.</summary>
public static class ChunkSizing
{
    /// <summary>The smallest chunk the sizing goes down to.</summary>
    public const int MinRows = 10;

    /// <summary>The next chunk's rows.</summary>
    /// <param name="rows">Rows asked for in the chunk just read.</param>
    /// <param name="rowsRead">Rows it returned (fewer means the end of the data: no information about speed).</param>
    /// <param name="elapsed">Time it took: from its gate check until the engine could check the gate again (its read, plus any wait for the previous chunk's store, which overlaps the read).</param>
    /// <param name="target">Target time per chunk; zero keeps the size fixed.</param>
    /// <param name="maxRows">Upper bound.</param>
    /// <remarks>Grows at most twofold and shrinks at most fourfold per chunk, so one slow or fast outlier does not swing it.</remarks>
    public static int Next(int rows, int rowsRead, TimeSpan elapsed, TimeSpan target, int maxRows)
    {
        if (target <= TimeSpan.Zero || rowsRead < rows)
        {
            return rows;
        }

        var floor = Math.Min(MinRows, maxRows);
        var ideal = elapsed <= TimeSpan.Zero ? rows * 2.0 : rows * (target / elapsed);
        var bounded = Math.Clamp(ideal, rows / 4.0, rows * 2.0);
        return (int)Math.Clamp(Math.Round(bounded), floor, Math.Max(floor, maxRows));
    }
}
