using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>
/// Where an <c>xmin</c> dataset stands, as 64-bit transaction ids (<c>xid8</c>): every row written by a transaction
/// before <see cref="To"/> is staged for the keys up to <see cref="Key"/> (all keys when <see cref="Complete"/>), and
/// every row written before <see cref="From"/> for the keys after it (none when <see cref="From"/> is null: the first pass).
/// </summary>
/// <remarks>
/// Stored as the batch's watermark text, in the same transaction as the batch, so a crash resumes exactly where the
/// last stored batch ended. A pass over the keys is finished by a later run when its last chunk was full, without
/// needing a batch to say so (see <see cref="XminChunkCursor"/>).
/// </remarks>
public sealed record XminWatermark(long? From, long To, object? Key, bool Complete)
{
    private const string Mode = "xmin";

    // Readable in logs: Chinese text in a key stays as it is.
    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Every row written before <paramref name="to"/> is staged.</summary>
    public static XminWatermark CompleteAt(long to) => new(to, to, null, true);

    /// <summary>The text form, for example <c>{"mode":"xmin","from":"740","to":"810","key":"42","keyType":"int64"}</c>.</summary>
    public string ToText()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, TextOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("mode", Mode);
            if (From is { } from)
            {
                writer.WriteString("from", from.ToString(CultureInfo.InvariantCulture));
            }

            writer.WriteString("to", To.ToString(CultureInfo.InvariantCulture));
            if (!Complete && Key is not null)
            {
                writer.WriteString("key", Watermark.Format(Key));
                writer.WriteString("keyType", Watermark.TagOf(Key, "key"));
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>True when the text is an <c>xmin</c> watermark (and not a timestamp one).</summary>
    public static bool IsXminText(string text) => text is not null && text.Contains("\"mode\":\"xmin\"", StringComparison.Ordinal);

    /// <summary>Reads the text form written by <see cref="ToText"/>.</summary>
    /// <exception cref="FormatException">The text is not an <c>xmin</c> watermark.</exception>
    public static XminWatermark Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (!root.TryGetProperty("mode", out var mode) || mode.GetString() != Mode)
            {
                throw new FormatException("it is a timestamp watermark, not an xmin one");
            }

            long? from = root.TryGetProperty("from", out var f) ? long.Parse(f.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
            var to = long.Parse(root.GetProperty("to").GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture);
            if (!root.TryGetProperty("key", out var key))
            {
                return new XminWatermark(from, to, null, true);
            }

            return new XminWatermark(from, to, Watermark.ParseValue(key.GetString()!, root.GetProperty("keyType").GetString()!), false);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new FormatException($"'{text}' is not a stored xmin watermark: {ex.Message}", ex);
        }
    }
}
