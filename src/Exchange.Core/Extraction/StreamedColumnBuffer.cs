using System.Buffers;
using System.Data.Common;
using System.Text.Json;

namespace Exchange.Core.Extraction;

/// <summary>
/// A large text or binary column (Oracle <c>CLOB</c>/<c>NCLOB</c>/<c>BLOB</c>, SQL Server <c>varbinary(max)</c>) read
/// piece by piece with <see cref="DbDataReader.GetChars"/> or <see cref="DbDataReader.GetBytes"/> and encoded as it
/// arrives: a JSON string for text, base64 for binary. The value never exists whole as a string or array, only as the
/// JSON the line needs.
/// </summary>
internal sealed class StreamedColumnBuffer(int capacity, bool binary) : ColumnBuffer(capacity)
{
    private const int Piece = 8192;

    private static readonly JsonWriterOptions Options = new() { Encoder = JsonCell.PayloadEncoder, SkipValidation = true };

    private readonly int[] _starts = new int[capacity];
    private readonly int[] _lengths = new int[capacity];
    private readonly ArrayBufferWriter<byte> _json = new(capacity * 64);
    private Utf8JsonWriter? _writer;

    public override bool WritesRaw => true;

    public override void Clear() => _json.ResetWrittenCount();

    protected override void ReadValue(DbDataReader reader, int ordinal, int row)
    {
        var writer = _writer ??= new Utf8JsonWriter(_json, Options);
        writer.Reset(_json);
        var start = _json.WrittenCount;
        if (binary)
        {
            var piece = ArrayPool<byte>.Shared.Rent(Piece);
            try
            {
                long offset = 0;
                int read;
                while ((read = (int)reader.GetBytes(ordinal, offset, piece, 0, Piece)) > 0)
                {
                    writer.WriteBase64StringSegment(piece.AsSpan(0, read), isFinalSegment: false);
                    offset += read;
                }

                writer.WriteBase64StringSegment([], isFinalSegment: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(piece);
            }
        }
        else
        {
            var piece = ArrayPool<char>.Shared.Rent(Piece);
            try
            {
                long offset = 0;
                int read;
                while ((read = (int)reader.GetChars(ordinal, offset, piece, 0, Piece)) > 0)
                {
                    // A surrogate pair split between two pieces is joined by the writer.
                    writer.WriteStringValueSegment(piece.AsSpan(0, read), isFinalSegment: false);
                    offset += read;
                }

                writer.WriteStringValueSegment(ReadOnlySpan<char>.Empty, isFinalSegment: true);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(piece);
            }
        }

        writer.Flush();
        _starts[row] = start;
        _lengths[row] = _json.WrittenCount - start;
    }

    protected override void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset) =>
        json.WriteRawValue(_json.WrittenSpan.Slice(_starts[row], _lengths[row]), skipInputValidation: true);

    protected override bool TryWriteRawValue(Span<byte> destination, int row, TimeSpan sourceOffset, out int written)
    {
        var value = _json.WrittenSpan.Slice(_starts[row], _lengths[row]);
        written = value.TryCopyTo(destination) ? value.Length : 0;
        return written > 0;
    }

    // As the reader's GetValue returns it: the text, or the bytes.
    protected override object GetNonNull(int row)
    {
        var reader = new Utf8JsonReader(_json.WrittenSpan.Slice(_starts[row], _lengths[row]));
        reader.Read();
        return binary ? reader.GetBytesFromBase64() : reader.GetString()!;
    }
}
