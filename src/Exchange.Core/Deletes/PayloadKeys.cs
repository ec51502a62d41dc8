using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exchange.Core.Extraction;

namespace Exchange.Core.Deletes;

/// <summary>
/// The key values of a <c>jsonl+gzip</c> payload, as the JSON text the payload writer wrote (<c>42</c>, <c>"A-7"</c>), and the
/// tombstone payload that names deleted keys the same way.
/// </summary>
/// <remarks>
/// The key index and the walk of the source's keys both take keys from payloads written by <see cref="JsonLinesPayloadWriter"/>,
/// so a key compares equal exactly when insurers see the same key value, whatever its SQL type.
/// </remarks>
internal static class PayloadKeys
{
    /// <summary>The field that marks a tombstone line; a line without it is an upsert.</summary>
    public const string OperationField = "_op";

    /// <summary>The value of <see cref="OperationField"/> on a tombstone.</summary>
    public const string DeleteOperation = "delete";

    /// <summary>The JSON text of the <paramref name="keyName"/> value of every line, in line order.</summary>
    /// <exception cref="InvalidDataException">A line has no such field, or its value is an object, an array or null.</exception>
    public static List<string> Read(byte[] gzip, string keyName)
    {
        ArgumentNullException.ThrowIfNull(gzip);
        byte[] plain;
        using (var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        using (var output = new MemoryStream())
        {
            input.CopyTo(output);
            plain = output.ToArray();
        }

        var name = Encoding.UTF8.GetBytes(keyName);
        var keys = new List<string>();
        var reader = new Utf8JsonReader(plain, new JsonReaderOptions { AllowMultipleValues = true });
        var found = true;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 0)
            {
                found = found ? false : throw Missing(keyName, keys.Count);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && NameEquals(ref reader, name, keyName))
            {
                reader.Read();
                keys.Add(ValueText(ref reader, plain, keyName, keys.Count));
                found = true;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return found ? keys : throw Missing(keyName, keys.Count);
    }

    /// <summary>A payload of one tombstone line per key: <c>{"KEY":42,"_op":"delete"}</c>.</summary>
    public static Payload Tombstones(string keyName, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var prefix = Encoding.UTF8.GetBytes("{" + JsonSerializerName(keyName) + ":");
        var suffix = Encoding.UTF8.GetBytes($",\"{OperationField}\":\"{DeleteOperation}\"}}\n");
        using var plain = new MemoryStream();
        foreach (var key in keys)
        {
            plain.Write(prefix);
            plain.Write(Encoding.UTF8.GetBytes(key));
            plain.Write(suffix);
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            plain.Position = 0;
            plain.CopyTo(gzip);
        }

        return new Payload(compressed.ToArray(), Convert.ToHexStringLower(SHA256.HashData(plain.GetBuffer().AsSpan(0, (int)plain.Length))), keys.Count, plain.Length);
    }

    private static string JsonSerializerName(string name) => "\"" + JsonEncodedText.Encode(name, JsonCell.PayloadEncoder).ToString() + "\"";

    // The payload's column names are the reader's; SQLite reports a quoted name as it was written, so letter case may differ.
    private static bool NameEquals(ref Utf8JsonReader reader, byte[] name, string keyName) =>
        reader.ValueTextEquals(name) || (reader.ValueSpan.Length == name.Length && string.Equals(reader.GetString(), keyName, StringComparison.OrdinalIgnoreCase));

    private static string ValueText(ref Utf8JsonReader reader, byte[] plain, string keyName, int line)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // The raw text with its quotes and escapes, exactly as the payload writer wrote it.
                return Encoding.UTF8.GetString(plain, (int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
            case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            default:
                throw new InvalidDataException($"Line {line + 1} of the payload has {reader.TokenType} as its key '{keyName}'; a key must be a string, a number or a boolean.");
        }
    }

    private static InvalidDataException Missing(string keyName, int line) =>
        new($"Line {line + 1} of the payload has no key field '{keyName}' (KeyColumn); the key index needs it on every line.");
}
