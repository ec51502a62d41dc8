using System.Globalization;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>
/// One column value as JSON, the same way in batches and request answers: decimals exactly as stored, date/times in
/// ISO 8601 with offset, binary as base64.
/// </summary>
/// <remarks>
/// The typed overloads are what the boxed <see cref="Write(Utf8JsonWriter, object?, TimeSpan)"/> calls for each type,
/// so a caller that reads typed values (no boxing) writes exactly the same text. They format into a stack buffer
/// instead of allocating a string per value: extraction writes millions of them.
/// </remarks>
public static class JsonCell
{
    // Longest texts formatted here: a decimal (29 digits, sign, point) and a round-trip date/time with offset (33).
    private const int MaxFormattedBytes = 64;

    /// <summary>Writes <paramref name="value"/> (as read from a data reader, null for DBNull).</summary>
    /// <param name="json">The writer.</param>
    /// <param name="value">The value.</param>
    /// <param name="sourceOffset">The source's UTC offset, used for date/times read without a zone.</param>
    public static void Write(Utf8JsonWriter json, object? value, TimeSpan sourceOffset)
    {
        ArgumentNullException.ThrowIfNull(json);
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case decimal d:
                Write(json, d);
                break;
            case long l:
                Write(json, l);
                break;
            case int or short or byte or sbyte or ushort or uint:
                Write(json, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case double d:
                Write(json, d);
                break;
            case float f:
                Write(json, f);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case DateTime dt:
                Write(json, dt, sourceOffset);
                break;
            case DateTimeOffset dto:
                Write(json, dto);
                break;
            case DateOnly date:
                json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            case Guid g:
                json.WriteStringValue(g);
                break;
            case IFormattable f:
                json.WriteStringValue(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>A decimal with the scale it was read with (numeric(12,2) 1234.50 stays 1234.50).</summary>
    public static void Write(Utf8JsonWriter json, decimal value) => WriteNumber(json, value);

    /// <summary>An integer in invariant digits (every integer type up to 64 bits signed).</summary>
    public static void Write(Utf8JsonWriter json, long value) => WriteNumber(json, value);

    /// <summary>
    /// A number received as text (PostgreSQL's numeric sent as text): as a JSON number when it is one (optional minus,
    /// digits, optional fraction), else as text, as NaN and the infinities are for doubles.
    /// </summary>
    public static void WriteNumberText(Utf8JsonWriter json, ReadOnlySpan<byte> utf8)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (IsPlainNumber(utf8))
        {
            json.WriteRawValue(utf8, skipInputValidation: true);
        }
        else
        {
            json.WriteStringValue(utf8);
        }
    }

    /// <summary>A finite double as a JSON number; NaN and infinities, which JSON has no number for, as text.</summary>
    public static void Write(Utf8JsonWriter json, double value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(value.ToString(null, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A finite float as a JSON number; NaN and infinities as text.</summary>
    public static void Write(Utf8JsonWriter json, float value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (float.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(value.ToString(null, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A date/time in ISO 8601 with offset; one read without a zone is in the source's offset.</summary>
    public static void Write(Utf8JsonWriter json, DateTime value, TimeSpan sourceOffset) => Write(json, ToOffset(value, sourceOffset));

    /// <summary>A date/time with its own offset in ISO 8601 (round-trip format).</summary>
    public static void Write(Utf8JsonWriter json, DateTimeOffset value)
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<byte> text = stackalloc byte[MaxFormattedBytes];
        value.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture);
        json.WriteStringValue(text[..written]);
    }

    // The invariant text of a number, as a raw JSON number (decimal and integer texts are valid JSON numbers as they are).
    private static void WriteNumber<T>(Utf8JsonWriter json, T value)
        where T : IUtf8SpanFormattable
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<byte> text = stackalloc byte[MaxFormattedBytes];
        value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        json.WriteRawValue(text[..written], skipInputValidation: true);
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?, the JSON number grammar without an exponent.
    private static bool IsPlainNumber(ReadOnlySpan<byte> text)
    {
        var i = text.Length > 0 && text[0] == (byte)'-' ? 1 : 0;
        var digits = i;
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        var integer = i - digits;
        if (integer == 0 || (integer > 1 && text[digits] == (byte)'0'))
        {
            return false;
        }

        if (i == text.Length)
        {
            return true;
        }

        if (text[i] != (byte)'.')
        {
            return false;
        }

        var fraction = ++i;
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        return i == text.Length && i > fraction;
    }

    private static DateTimeOffset ToOffset(DateTime value, TimeSpan sourceOffset) => value.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(value),
        DateTimeKind.Local => new DateTimeOffset(value),
        _ => new DateTimeOffset(value, sourceOffset),
    };
}
