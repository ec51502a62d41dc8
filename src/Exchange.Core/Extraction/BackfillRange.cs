namespace Exchange.Core.Extraction;

/// <summary>
/// The rows a backfill reads again: stamped after <see cref="From"/> and at or before <see cref="To"/> (the range a
/// watermark moving from <see cref="From"/> to <see cref="To"/> would read), in watermark order.
/// </summary>
/// <param name="From">The range starts after this instant.</param>
/// <param name="To">The range ends at this instant (included).</param>
/// <param name="After">Where an earlier part of the same backfill stopped (a watermark text), or null to start at <see cref="From"/>.</param>
public sealed record BackfillRange(DateTimeOffset From, DateTimeOffset To, string? After = null);
