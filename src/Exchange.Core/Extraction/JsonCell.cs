using System.Globalization;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>
/// One column value as JSON, the same way in batches and request answers: decimals exactly as stored, date/times in
/// ISO 8601 with offset, binary as base64.
/// </summary>
public static class JsonCell
{
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
                // decimal keeps the scale it was read with (numeric(12,2) 1234.50 stays 1234.50).
                json.WriteRawValue(d.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case long or int or short or byte or sbyte or ushort or uint:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case DateTime dt:
                json.WriteStringValue(ToOffset(dt, sourceOffset).ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset dto:
                json.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture));
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

    private static DateTimeOffset ToOffset(DateTime value, TimeSpan sourceOffset) => value.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(value),
        DateTimeKind.Local => new DateTimeOffset(value),
        _ => new DateTimeOffset(value, sourceOffset),
    };
}
