using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>
/// The composite watermark (update timestamp, key) of the last extracted row. The values keep the CLR type read from
/// the source so that the same type goes back as a query parameter.
/// </summary>
/// <remarks>
/// Stored in the staging store as opaque text (<see cref="ToText"/>, <see cref="Parse"/>). A watermark without a key
/// (<see cref="After"/>: set by <c>exchange reset-watermark</c>, or the start of a backfill) stands for every row stamped
/// after its timestamp: the keyset condition's <c>key &gt; NULL</c> leaves out the rows stamped at that very instant.
/// </remarks>
public sealed record Watermark(object Timestamp, object? Key)
{
    /// <summary>Supported CLR types and their tags in the text form.</summary>
    private static readonly (Type Type, string Tag)[] Tags =
    [
        (typeof(string), "string"), (typeof(long), "int64"), (typeof(int), "int32"), (typeof(short), "int16"),
        (typeof(decimal), "decimal"), (typeof(double), "double"), (typeof(DateTime), "datetime"),
        (typeof(DateTimeOffset), "datetimeoffset"), (typeof(Guid), "guid"),
    ];

    // Readable in logs: '+' of an offset and Chinese text stay as they are.
    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Checks that both values have a supported type.</summary>
    /// <exception cref="NotSupportedException">A value's type cannot be stored in a watermark.</exception>
    public static Watermark Create(object timestamp, object key)
    {
        _ = TagOf(timestamp, "timestamp");
        _ = TagOf(key, "key");
        return new Watermark(timestamp, key);
    }

    /// <summary>A watermark before every row stamped after <paramref name="timestamp"/> (typed as the column's values).</summary>
    public static Watermark After(object timestamp)
    {
        _ = TagOf(timestamp, "timestamp");
        return new Watermark(timestamp, null);
    }

    /// <summary>The opaque text form, for example <c>{"ts":"2026-11-22T10:00:00.000000+08:00","tsType":"string","key":"42","keyType":"int64"}</c>.</summary>
    public string ToText()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, TextOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", Format(Timestamp));
            writer.WriteString("tsType", TagOf(Timestamp, "timestamp"));
            if (Key is not null)
            {
                writer.WriteString("key", Format(Key));
                writer.WriteString("keyType", TagOf(Key, "key"));
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads the text form written by <see cref="ToText"/>.</summary>
    /// <exception cref="FormatException">The text is not a watermark written by this build.</exception>
    public static Watermark Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return new Watermark(
                ParseValue(root.GetProperty("ts").GetString()!, root.GetProperty("tsType").GetString()!),
                root.TryGetProperty("key", out var key) ? ParseValue(key.GetString()!, root.GetProperty("keyType").GetString()!) : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new FormatException($"'{text}' is not a stored watermark: {ex.Message}", ex);
        }
    }

    /// <summary>The type tag of a watermark value (shared with <see cref="XminWatermark"/>).</summary>
    internal static string TagOf(object value, string part)
    {
        ArgumentNullException.ThrowIfNull(value, part);
        var type = value.GetType();
        foreach (var (t, tag) in Tags)
        {
            if (t == type)
            {
                return tag;
            }
        }

        throw new NotSupportedException(
            $"The watermark {part} has type {type.FullName}; supported types are string, integers, decimal, double, DateTime, DateTimeOffset and Guid.");
    }

    /// <summary>A watermark value as invariant text.</summary>
    internal static string Format(object value) => value switch
    {
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>A watermark value from its text and type tag.</summary>
    internal static object ParseValue(string text, string tag) => tag switch
    {
        "string" => text,
        "int64" => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
        "int32" => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
        "int16" => short.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
        "decimal" => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture),
        "double" => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        "datetime" => DateTime.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        "datetimeoffset" => DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None),
        "guid" => Guid.Parse(text, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"unknown value type '{tag}'"),
    };
}
