using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>A finished <c>jsonl+gzip</c> payload.</summary>
/// <param name="Gzip">The gzip of the UTF-8 JSON Lines.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the uncompressed JSON Lines.</param>
/// <param name="RowCount">Lines (rows) in the payload.</param>
/// <param name="UncompressedBytes">Length of the JSON Lines before compression.</param>
public sealed record Payload(byte[] Gzip, string Sha256, int RowCount, long UncompressedBytes);

/// <summary>
/// Writes rows as they are read into a <c>jsonl+gzip</c> payload: one JSON object per row with the column names as
/// keys, Chinese text unescaped, decimals exactly as stored, date/times in ISO 8601 with offset, binary as base64.
/// </summary>
public sealed class JsonLinesPayloadWriter : IDisposable
{
    /// <summary>The format name stored with the batch.</summary>
    public const string Format = "jsonl+gzip";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Chinese text and '+' in offsets are written as is. The payload is data, never embedded in HTML, so the
        // HTML-sensitive escaping of the default encoder only hurts; quotes, backslashes and controls are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private readonly TimeSpan _sourceOffset;
    private readonly MemoryStream _compressed = new();
    private readonly GZipStream _gzip;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly Utf8JsonWriter _json;
    private JsonEncodedText[]? _names;
    private long _uncompressedBytes;
    private bool _completed;

    /// <param name="sourceOffset">The source's UTC offset, used for date/times read without a zone.</param>
    public JsonLinesPayloadWriter(TimeSpan sourceOffset)
    {
        _sourceOffset = sourceOffset;
        _gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true);
        _json = new Utf8JsonWriter(_line, WriterOptions);
    }

    /// <summary>Rows written so far.</summary>
    public int RowCount { get; private set; }

    /// <summary>Writes the reader's current row as one line.</summary>
    public void WriteRow(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ObjectDisposedException.ThrowIf(_completed, this);
        _names ??= ReadNames(reader);

        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        for (var i = 0; i < _names.Length; i++)
        {
            _json.WritePropertyName(_names[i]);
            var value = reader.GetValue(i);
            WriteValue(value is DBNull ? null : value);
        }

        _json.WriteEndObject();
        _json.Flush();
        _line.Write("\n"u8);

        var bytes = _line.WrittenSpan;
        _hash.AppendData(bytes);
        _gzip.Write(bytes);
        _uncompressedBytes += bytes.Length;
        RowCount++;
    }

    /// <summary>Finishes the gzip stream and returns the payload; the writer cannot be used afterwards.</summary>
    public Payload Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        _gzip.Dispose();
        var sha = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return new Payload(_compressed.ToArray(), sha, RowCount, _uncompressedBytes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _json.Dispose();
        _gzip.Dispose();
        _compressed.Dispose();
        _hash.Dispose();
    }

    private static JsonEncodedText[] ReadNames(DbDataReader reader)
    {
        var names = new JsonEncodedText[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = JsonEncodedText.Encode(reader.GetName(i), WriterOptions.Encoder);
        }

        return names;
    }

    private void WriteValue(object? value)
    {
        switch (value)
        {
            case null:
                _json.WriteNullValue();
                break;
            case string s:
                _json.WriteStringValue(s);
                break;
            case decimal d:
                // decimal keeps the scale it was read with (numeric(12,2) 1234.50 stays 1234.50).
                WriteRaw(d);
                break;
            case long l:
                WriteRaw(l);
                break;
            case int n:
                WriteRaw(n);
                break;
            case short or byte or sbyte or ushort or uint:
                _json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case ulong u:
                _json.WriteNumberValue(u);
                break;
            case double d when double.IsFinite(d):
                _json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                _json.WriteNumberValue(f);
                break;
            case bool b:
                _json.WriteBooleanValue(b);
                break;
            case DateTime dt:
                WriteIso(ToOffset(dt));
                break;
            case DateTimeOffset dto:
                _json.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                _json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                _json.WriteBase64StringValue(bytes);
                break;
            case Guid g:
                _json.WriteStringValue(g);
                break;
            case IFormattable f:
                _json.WriteStringValue(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                _json.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>A number in invariant culture without an intermediate string (the hot path of every row).</summary>
    private void WriteRaw<T>(T value)
        where T : IUtf8SpanFormattable, IFormattable
    {
        Span<byte> buffer = stackalloc byte[64];
        if (value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture))
        {
            _json.WriteRawValue(buffer[..written], skipInputValidation: true);
        }
        else
        {
            _json.WriteRawValue(value.ToString(null, CultureInfo.InvariantCulture), skipInputValidation: true);
        }
    }

    private void WriteIso(DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (value.TryFormat(buffer, out var written, "O", CultureInfo.InvariantCulture))
        {
            _json.WriteStringValue(buffer[..written]);
        }
        else
        {
            _json.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
        }
    }

    private DateTimeOffset ToOffset(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(value),
        DateTimeKind.Local => new DateTimeOffset(value),
        _ => new DateTimeOffset(value, _sourceOffset),
    };
}
