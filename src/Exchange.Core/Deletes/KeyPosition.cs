using System.Text.Encodings.Web;
using System.Text.Json;
using Exchange.Core.Extraction;

namespace Exchange.Core.Deletes;

/// <summary>
/// Where a walk of a source's keys stands: the last key read, kept with its CLR type so that the same type goes back as the
/// next chunk's parameter. Stored as text, for example <c>{"key":"42","keyType":"int64"}</c>.
/// </summary>
public static class KeyPosition
{
    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text form of a key read from the source.</summary>
    /// <exception cref="NotSupportedException">The key's type cannot be kept (see <see cref="Watermark"/>).</exception>
    public static string ToText(object key)
    {
        var tag = Watermark.TagOf(key, "key");
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, TextOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("key", Watermark.Format(key));
            writer.WriteString("keyType", tag);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The key of a text written by <see cref="ToText"/>.</summary>
    /// <exception cref="FormatException">The text is not a key position.</exception>
    public static object Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return Watermark.ParseValue(root.GetProperty("key").GetString()!, root.GetProperty("keyType").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or OverflowException)
        {
            throw new FormatException($"'{text}' is not a stored key position: {ex.Message}", ex);
        }
    }
}
