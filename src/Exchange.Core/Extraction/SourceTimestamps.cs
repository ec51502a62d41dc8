using System.Globalization;

namespace Exchange.Core.Extraction;

/// <summary>How a source stores its update timestamps, which decides the type of the upper-bound parameter.</summary>
public enum TimestampKind
{
    /// <summary>Fixed-width ISO 8601 text with offset (<see cref="SourceTimestamps.TextFormat"/>), as the SQLite demo stores it.</summary>
    Text = 0,

    /// <summary>Local wall-clock time without a zone (PostgreSQL <c>timestamp</c>, Oracle <c>DATE</c>/<c>TIMESTAMP</c>, SQL Server <c>datetime2</c>).</summary>
    Local = 1,

    /// <summary>An instant read back as UTC (PostgreSQL <c>timestamptz</c>).</summary>
    Utc = 2,

    /// <summary>A value with its own offset (SQL Server <c>datetimeoffset</c>).</summary>
    Offset = 3,
}

/// <summary>Timestamp formats and the safety-lag upper bound.</summary>
public static class SourceTimestamps
{
    /// <summary>Fixed-width text format: with one offset per source, text order is time order.</summary>
    public const string TextFormat = "yyyy-MM-ddTHH:mm:ss.ffffffzzz";

    /// <summary>Formats an instant as text in the source's offset.</summary>
    public static string FormatText(DateTimeOffset instant, TimeSpan sourceOffset) =>
        instant.ToOffset(sourceOffset).ToString(TextFormat, CultureInfo.InvariantCulture);

    /// <summary>The kind of a timestamp column from the type its reader reports.</summary>
    /// <exception cref="NotSupportedException">The column is neither a date/time type nor text.</exception>
    public static TimestampKind KindOf(Type fieldType, string dataTypeName, string column)
    {
        ArgumentNullException.ThrowIfNull(fieldType);
        if (fieldType == typeof(string))
        {
            return TimestampKind.Text;
        }

        if (fieldType == typeof(DateTimeOffset))
        {
            return TimestampKind.Offset;
        }

        if (fieldType == typeof(DateTime))
        {
            // ODP.NET reports Oracle's TIMESTAMP WITH [LOCAL] TIME ZONE as TimeStampTZ / TimeStampLTZ with a DateTime field type:
            // compared with an instant (bound as TIMESTAMP WITH TIME ZONE), not with a wall-clock time in the session's zone.
            if (dataTypeName.StartsWith("TimeStampTZ", StringComparison.OrdinalIgnoreCase) || dataTypeName.StartsWith("TimeStampLTZ", StringComparison.OrdinalIgnoreCase))
            {
                return TimestampKind.Offset;
            }

            return dataTypeName.Contains("with time zone", StringComparison.OrdinalIgnoreCase)
                || string.Equals(dataTypeName, "timestamptz", StringComparison.OrdinalIgnoreCase)
                ? TimestampKind.Utc
                : TimestampKind.Local;
        }

        throw new NotSupportedException(
            $"Timestamp column '{column}' has type {dataTypeName} ({fieldType.Name}); a date/time column or ISO 8601 text is required.");
    }

    /// <summary>
    /// The upper bound <c>now − safetyLag</c> typed for the column: text in the source's offset, an unspecified
    /// <see cref="DateTime"/> in the source's offset, a UTC <see cref="DateTime"/>, or a <see cref="DateTimeOffset"/>.
    /// </summary>
    public static object UpperBound(TimestampKind kind, DateTimeOffset now, TimeSpan safetyLag, TimeSpan sourceOffset)
    {
        var upper = (now - safetyLag).ToOffset(sourceOffset);
        return kind switch
        {
            TimestampKind.Text => upper.ToString(TextFormat, CultureInfo.InvariantCulture),
            TimestampKind.Local => DateTime.SpecifyKind(upper.DateTime, DateTimeKind.Unspecified),
            TimestampKind.Utc => upper.UtcDateTime,
            TimestampKind.Offset => upper,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}
