namespace Exchange.Core.Extraction;

/// <summary>How long a dataset rests after its store failed for good: doubling with each failure in a row, capped.</summary>
public static class StoreBackoff
{
    /// <summary>The rest after <paramref name="failuresInARow"/> runs in a row whose store failed for good.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="failuresInARow"/> is below 1, or a duration is not positive.</exception>
    public static TimeSpan Pause(int failuresInARow, TimeSpan first, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failuresInARow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, first);

        // Doubling only below half the cap, so the sum cannot overflow.
        var pause = first;
        for (var failure = 1; failure < failuresInARow; failure++)
        {
            if (pause >= max / 2)
            {
                return max;
            }

            pause += pause;
        }

        return pause < max ? pause : max;
    }
}
