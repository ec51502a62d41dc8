using System.Globalization;
using System.Text.RegularExpressions;
using Exchange.Core.Configuration;

namespace Exchange.Core.Extraction;

/// <summary>A watermark reset or a backfill was refused; the message names the value and what would be accepted.</summary>
public sealed class WatermarkResetRefusedException(string message) : Exception(message);

/// <summary>
/// What <c>exchange reset-watermark</c> and <c>exchange backfill</c> accept: instants given by an operator, and the
/// watermark a reset moves a dataset back to (typed like the stored one, so the source compares it with its column).
/// </summary>
public static partial class WatermarkResets
{
    /// <summary>An example of an accepted instant, for messages.</summary>
    public const string InstantExample = "2026-12-01T00:00:00+08:00";

    /// <summary>
    /// Reads an instant: ISO 8601 date and time, with an offset or <c>Z</c>; without one, in the source's offset.
    /// </summary>
    /// <exception cref="WatermarkResetRefusedException">The text is not such an instant; the message names <paramref name="option"/> and the value.</exception>
    public static DateTimeOffset ParseInstant(string option, string text, TimeSpan sourceOffset)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (!IsoDateTime().IsMatch(trimmed) || !DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            throw new WatermarkResetRefusedException(
                $"{option} must be a date and time such as {InstantExample} or 2026-12-01 08:30 (with an offset or Z; without one, the source's TimeZoneOffset {Offset(sourceOffset)} is used), was '{text}'.");
        }

        return HasOffset().IsMatch(trimmed) ? parsed : new DateTimeOffset(DateTime.SpecifyKind(parsed.DateTime, DateTimeKind.Unspecified), sourceOffset);
    }

    /// <summary>
    /// The watermark text a reset to <paramref name="to"/> stores: for a timestamp dataset, before every row stamped after
    /// that instant; for an <c>xmin</c> dataset, before every row written by transaction <paramref name="to"/> or later.
    /// </summary>
    /// <exception cref="WatermarkResetRefusedException">Nothing is stored yet, the value does not suit the dataset's mode, or it does not move the watermark back.</exception>
    public static string MoveBack(DatasetOptions dataset, string? current, string to, TimeSpan sourceOffset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(to);
        if (current is null)
        {
            throw new WatermarkResetRefusedException(
                $"Dataset '{dataset.Name}' has no watermark yet: its next run reads from the beginning already. Use 'exchange backfill' to send a time range again.");
        }

        return WatermarkModes.IsXmin(dataset.Watermark) ? MoveXminBack(dataset, current, to) : MoveTimestampBack(dataset, current, to, sourceOffset);
    }

    private static string MoveTimestampBack(DatasetOptions dataset, string current, string to, TimeSpan sourceOffset)
    {
        if (XminWatermark.IsXminText(current))
        {
            throw new WatermarkResetRefusedException($"Dataset '{dataset.Name}' has an xmin watermark stored but is configured with \"Watermark\": \"{dataset.Watermark}\"; fix schedule.json first.");
        }

        var instant = ParseInstant("--to", to, sourceOffset);
        var stored = Watermark.Parse(current);
        object typed = stored.Timestamp switch
        {
            string => SourceTimestamps.FormatText(instant, sourceOffset),
            DateTime { Kind: DateTimeKind.Utc } => instant.UtcDateTime,
            DateTime => DateTime.SpecifyKind(instant.ToOffset(sourceOffset).DateTime, DateTimeKind.Unspecified),
            DateTimeOffset => instant.ToOffset(sourceOffset),
            _ => throw new WatermarkResetRefusedException(
                $"Dataset '{dataset.Name}' has a watermark timestamp of type {stored.Timestamp.GetType().Name}, which cannot be given as a time; reset needs a date/time or ISO 8601 text column."),
        };
        if (typed is IComparable comparable && comparable.CompareTo(stored.Timestamp) >= 0)
        {
            throw new WatermarkResetRefusedException(
                $"--to must be before the watermark of dataset '{dataset.Name}' ({Watermark.Format(stored.Timestamp)}): reset only moves a watermark back, was '{to}'. Nothing after the watermark has been read yet.");
        }

        return Watermark.After(typed).ToText();
    }

    private static string MoveXminBack(DatasetOptions dataset, string current, string to)
    {
        if (!long.TryParse(to.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var xid) || xid < 3)
        {
            throw new WatermarkResetRefusedException(
                $"Dataset '{dataset.Name}' uses the xmin watermark: --to takes a transaction id (a 64-bit xid8 such as 7400, from txid_current() or pg_current_xact_id()), " +
                $"not a time; the rows last written by that transaction and later ones are read again. Was '{to}'.");
        }

        var stored = XminWatermark.Parse(current);
        if (xid >= stored.To)
        {
            throw new WatermarkResetRefusedException(
                $"--to must be a transaction id before the watermark of dataset '{dataset.Name}' (transaction {stored.To}): reset only moves a watermark back, was {xid}.");
        }

        if (stored.To - xid >= XminQuery.MaxWindow)
        {
            throw new WatermarkResetRefusedException(
                $"--to must be within {XminQuery.MaxWindow} transactions of the watermark of dataset '{dataset.Name}' (transaction {stored.To}), was {xid}: " +
                "older rows' 32-bit xmin no longer tells when they were written. Extract the table again under a new dataset name instead.");
        }

        return XminWatermark.CompleteAt(xid).ToText();
    }

    private static string Offset(TimeSpan offset) => (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")]
    private static partial Regex IsoDateTime();

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex HasOffset();
}
