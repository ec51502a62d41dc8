using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

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

    // The date/time format of the writer overload and of its raw form, which must write the same text.
    private const string RoundTrip = "O";

    /// <summary>
    /// The escaping of batch payloads and request answers: Chinese text and '+' in offsets as they are (both are data,
    /// never embedded in HTML); quotes, backslashes, controls and characters outside the basic plane escaped.
    /// </summary>
    internal static JavaScriptEncoder PayloadEncoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

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

    /// <summary>A number's exact text from a provider (Oracle's <c>NUMBER</c>, SQL Server's <c>decimal(38, x)</c>), as <see cref="WriteNumberText(Utf8JsonWriter, ReadOnlySpan{byte})"/>.</summary>
    public static void WriteNumberText(Utf8JsonWriter json, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> utf8 = text.Length <= 256 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        WriteNumberText(json, utf8[..Encoding.UTF8.GetBytes(text, utf8)]);
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
        value.TryFormat(text, out var written, RoundTrip, CultureInfo.InvariantCulture);
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

    // The raw forms below write what the overloads above write through a Utf8JsonWriter with PayloadEncoder, straight into
    // a row's bytes (JsonLinesPayloadWriter's fast path). Each returns false, writing nothing that counts, when the value
    // needs the writer (a string to escape, a number text that is not a plain number) or the destination is too short.

    /// <summary>Raw form of the integer and decimal overloads.</summary>
    internal static bool TryWriteRaw<T>(Span<byte> destination, T value, out int written)
        where T : IUtf8SpanFormattable => value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);

    /// <summary>Raw form of <see cref="Write(Utf8JsonWriter, DateTimeOffset)"/>: the round-trip text in quotes (nothing in it is escaped).</summary>
    internal static bool TryWriteRaw(Span<byte> destination, DateTimeOffset value, out int written)
    {
        written = 0;
        if (destination.Length < 2 || !value.TryFormat(destination[1..^1], out var text, RoundTrip, CultureInfo.InvariantCulture))
        {
            return false;
        }

        destination[0] = (byte)'"';
        destination[text + 1] = (byte)'"';
        written = text + 2;
        return true;
    }

    /// <summary>Raw form of <see cref="Write(Utf8JsonWriter, DateTime, TimeSpan)"/>.</summary>
    internal static bool TryWriteRaw(Span<byte> destination, DateTime value, TimeSpan sourceOffset, out int written) =>
        TryWriteRaw(destination, ToOffset(value, sourceOffset), out written);

    /// <summary>Raw form of a boolean.</summary>
    internal static bool TryWriteRaw(Span<byte> destination, bool value, out int written)
    {
        var text = value ? "true"u8 : "false"u8;
        written = text.TryCopyTo(destination) ? text.Length : 0;
        return written > 0;
    }

    /// <summary>Raw form of a UTF-8 string that needs no escaping (and is valid UTF-8): the bytes in quotes.</summary>
    internal static bool TryWriteRawString(Span<byte> destination, ReadOnlySpan<byte> utf8, out int written)
    {
        written = 0;
        if (destination.Length < utf8.Length + 2)
        {
            return false;
        }

        utf8.CopyTo(destination[1..]);
        return TryQuote(destination, utf8.Length, out written);
    }

    /// <summary>Raw form of a string that needs no escaping: its UTF-8 in quotes.</summary>
    internal static bool TryWriteRawString(Span<byte> destination, string value, out int written)
    {
        written = 0;
        return destination.Length >= 2
            && Utf8.FromUtf16(value, destination[1..^1], out _, out var length, replaceInvalidSequences: false) == OperationStatus.Done
            && TryQuote(destination, length, out written);
    }

    /// <summary>Raw form of <see cref="WriteNumberText(Utf8JsonWriter, ReadOnlySpan{byte})"/> for a plain number.</summary>
    internal static bool TryWriteRawNumberText(Span<byte> destination, ReadOnlySpan<byte> utf8, out int written)
    {
        written = IsPlainNumber(utf8) && utf8.TryCopyTo(destination) ? utf8.Length : 0;
        return written > 0;
    }

    // The UTF-8 at destination[1..length] in quotes, unless the writer would escape some of it (or it is not valid UTF-8).
    private static bool TryQuote(Span<byte> destination, int length, out int written)
    {
        written = 0;
        if (PayloadEncoder.FindFirstCharacterToEncodeUtf8(destination.Slice(1, length)) >= 0)
        {
            return false;
        }

        destination[0] = (byte)'"';
        destination[length + 1] = (byte)'"';
        written = length + 2;
        return true;
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
