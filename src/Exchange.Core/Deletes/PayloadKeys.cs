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
    /// <remarks>
    /// The first line is read with a JSON reader to learn how the key's name is written; in the others that name, in quotes
    /// and followed by a colon, is searched for. Inside a JSON string a quote is always escaped, so the search finds the
    /// property and nothing in a value; reading every token of every line cost more than storing the keys.
    /// </remarks>
    /// <exception cref="InvalidDataException">A line has no such field, or its value is not a string, a number or a boolean.</exception>
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

        var keys = new List<string>();
        ReadOnlySpan<byte> rest = plain;
        byte[]? property = null;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            property ??= PropertyAsWritten(line, keyName);
            var at = line.IndexOf(property);
            if (at < 0)
            {
                throw Missing(keyName, keys.Count);
            }

            keys.Add(ValueText(line[(at + property.Length)..], keyName, keys.Count));
            rest = end < 0 ? default : rest[(end + 1)..];
        }

        return keys;
    }

    /// <summary>A payload of one tombstone line per key: <c>{"KEY":42,"_op":"delete"}</c>.</summary>
    public static Payload Tombstones(string keyName, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var prefix = Encoding.UTF8.GetBytes("{\"" + JsonEncodedText.Encode(keyName, JsonCell.PayloadEncoder).ToString() + "\":");
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
            gzip.Write(plain.GetBuffer(), 0, (int)plain.Length);
        }

        return new Payload(compressed.ToArray(), Convert.ToHexStringLower(SHA256.HashData(plain.GetBuffer().AsSpan(0, (int)plain.Length))), keys.Count, plain.Length);
    }

    /// <summary>The key's name as a line writes it, in quotes and with its colon: <c>"AAZ223":</c>.</summary>
    /// <remarks>The payload's names are the reader's; SQLite reports a quoted name as the query wrote it, so letter case may differ.</remarks>
    private static byte[] PropertyAsWritten(ReadOnlySpan<byte> line, string keyName)
    {
        var reader = new Utf8JsonReader(line);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1
                && string.Equals(reader.GetString(), keyName, StringComparison.OrdinalIgnoreCase))
            {
                return [.. line.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2), (byte)':'];
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > 0)
            {
                reader.Skip();
            }
        }

        throw Missing(keyName, 0);
    }

    /// <summary>The JSON text of the value at the start of <paramref name="value"/>, exactly as written.</summary>
    private static string ValueText(ReadOnlySpan<byte> value, string keyName, int line)
    {
        var reader = new Utf8JsonReader(value, isFinalBlock: false, state: default);
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False))
        {
            throw new InvalidDataException($"Line {line + 1} of the payload has no string, number or boolean as its key '{keyName}'; a key must be one of those.");
        }

        return Encoding.UTF8.GetString(value[..(int)reader.BytesConsumed]);
    }

    private static InvalidDataException Missing(string keyName, int line) =>
        new($"Line {line + 1} of the payload has no key field '{keyName}' (KeyColumn); the key index needs it on every line.");
}
