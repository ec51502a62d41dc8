using System.Collections;

namespace Exchange.Core.Deletes;

/// <summary>The decisions of reconciliation, as pure functions: when a pass is due, and which judged keys are deleted.</summary>
public static class ReconcileSchedule
{
    /// <summary>
    /// Whether the dataset reconciles after an extraction run that caught up: a pass in progress goes on; otherwise a new pass
    /// starts once <paramref name="every"/> has passed since the last one finished (at once before the first).
    /// </summary>
    public static bool IsDue(ReconcilePass? last, DateTimeOffset now, TimeSpan every) =>
        last is not { FinishedAt: { } finished } || now - finished >= every;

    /// <summary>The most key ids a pass's range may span: one bit each, in one <see cref="BitArray"/> (256 MiB at most).</summary>
    public const long MaxKeyIdSpan = int.MaxValue;

    /// <summary>The set of key ids of a pass found at the source: one bit per id of its range, from what a run saved.</summary>
    /// <remarks>
    /// The range runs from the dataset's lowest key id to its highest. On PostgreSQL staging the ids come from one identity
    /// shared by every dataset, so the range also spans the ids of other datasets' keys staged meanwhile (a bit each, never
    /// judged); past <see cref="MaxKeyIdSpan"/> the pass refuses rather than wrap the bit positions.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The range spans more than <see cref="MaxKeyIdSpan"/> ids.</exception>
    public static BitArray Seen(ReconcilePass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var span = Math.Max(0, pass.LastKeyId - pass.FirstKeyId + 1);
        if (span > MaxKeyIdSpan)
        {
            var range = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"key ids {pass.FirstKeyId} to {pass.LastKeyId} ({span} ids");
            throw new InvalidOperationException(
                $"Dataset '{pass.Dataset}': its key index spans {range}, the ids of other datasets' keys included on PostgreSQL staging); " +
                $"a reconciliation pass keeps one bit per id and handles at most {MaxKeyIdSpan.ToString(System.Globalization.CultureInfo.InvariantCulture)} ids, " +
                "so deletions of this dataset are not reconciled. Set its \"Deletes\" to \"Off\" in schedule.json to stop the attempts.");
        }

        var length = (int)span;
        var seen = pass.Seen is { } saved ? new BitArray(saved) { Length = length } : new BitArray(length);
        return seen;
    }

    /// <summary>Marks the key ids found at the source; ids outside the pass's range (staged after it began) are not judged.</summary>
    public static void Mark(BitArray seen, ReconcilePass pass, IEnumerable<long> keyIds)
    {
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(keyIds);
        foreach (var id in keyIds)
        {
            if (id >= pass.FirstKeyId && id <= pass.LastKeyId)
            {
                seen[(int)(id - pass.FirstKeyId)] = true;
            }
        }
    }

    /// <summary>The judged keys the walk did not find at the source: deleted there.</summary>
    public static IEnumerable<StagedKey> Deleted(BitArray seen, ReconcilePass pass, IEnumerable<StagedKey> judged)
    {
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(pass);
        return judged.Where(k => !seen[(int)(k.KeyId - pass.FirstKeyId)]);
    }

    /// <summary>The bits as they are saved.</summary>
    public static byte[] ToBytes(BitArray seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var bytes = new byte[(seen.Length + 7) / 8];
        seen.CopyTo(bytes, 0);
        return bytes;
    }
}
