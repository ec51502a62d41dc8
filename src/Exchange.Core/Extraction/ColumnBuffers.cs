using System.Data.Common;
using System.Text;
using System.Text.Json;
using Exchange.Core.Sources;
using Microsoft.Data.SqlClient;
using Npgsql;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Extraction;

/// <summary>The values of one column for a batch of rows, read on the reading thread and written as JSON on another.</summary>
internal abstract class ColumnBuffer(int capacity)
{
    private readonly bool[] _nulls = new bool[capacity];

    /// <summary>Copies the reader's current value into <paramref name="row"/>.</summary>
    public void Read(DbDataReader reader, int ordinal, int row)
    {
        _nulls[row] = reader.IsDBNull(ordinal);
        if (!_nulls[row])
        {
            ReadValue(reader, ordinal, row);
        }
    }

    /// <summary>Writes the value of <paramref name="row"/> as JSON.</summary>
    public void Write(Utf8JsonWriter json, int row, TimeSpan sourceOffset)
    {
        if (_nulls[row])
        {
            json.WriteNullValue();
        }
        else
        {
            WriteValue(json, row, sourceOffset);
        }
    }

    /// <summary>True when <see cref="TryWriteRaw"/> can write this column's values; otherwise rows always go through a JSON writer.</summary>
    public abstract bool WritesRaw { get; }

    /// <summary>
    /// Writes the value of <paramref name="row"/> straight into <paramref name="destination"/>, byte for byte what
    /// <see cref="Write"/> writes; false when this value needs the JSON writer (see <see cref="JsonCell"/>'s raw forms).
    /// </summary>
    public bool TryWriteRaw(Span<byte> destination, int row, TimeSpan sourceOffset, out int written)
    {
        if (!_nulls[row])
        {
            return TryWriteRawValue(destination, row, sourceOffset, out written);
        }

        written = "null"u8.TryCopyTo(destination) ? 4 : 0;
        return written > 0;
    }

    /// <summary>The value of <paramref name="row"/>, boxed (<see cref="DBNull.Value"/> for null), as <see cref="DbDataReader.GetValue"/> returns it.</summary>
    public object GetValue(int row) => _nulls[row] ? DBNull.Value : GetNonNull(row);

    /// <summary>Drops references (strings, boxes) so a reused buffer does not keep them alive.</summary>
    public abstract void Clear();

    protected abstract void ReadValue(DbDataReader reader, int ordinal, int row);

    protected abstract object GetNonNull(int row);

    protected abstract void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset);

    protected abstract bool TryWriteRawValue(Span<byte> destination, int row, TimeSpan sourceOffset, out int written);
}

/// <summary>Writes a value straight into a row's bytes, as <see cref="ColumnBuffer.TryWriteRaw"/>.</summary>
internal delegate bool RawJsonWriter<in T>(Span<byte> destination, T value, TimeSpan sourceOffset, out int written);

/// <summary>
/// A column buffer of one CLR type with its typed getter, its <see cref="JsonCell"/> overload and, where there is one, its
/// raw form; <paramref name="box"/> turns a provider's own type into what <see cref="DbDataReader.GetValue"/> returns.
/// </summary>
internal sealed class ColumnBuffer<T>(
    int capacity, Func<DbDataReader, int, T> read, Action<Utf8JsonWriter, T, TimeSpan> write, RawJsonWriter<T>? raw = null, Func<T, object>? box = null)
    : ColumnBuffer(capacity)
{
    private readonly T[] _values = new T[capacity];

    public override bool WritesRaw => raw is not null;

    public override void Clear() => Array.Clear(_values);

    protected override void ReadValue(DbDataReader reader, int ordinal, int row) => _values[row] = read(reader, ordinal);

    protected override void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset) => write(json, _values[row], sourceOffset);

    protected override object GetNonNull(int row) => box is null ? _values[row]! : box(_values[row]);

    protected override bool TryWriteRawValue(Span<byte> destination, int row, TimeSpan sourceOffset, out int written)
    {
        written = 0;
        return raw is not null && raw(destination, _values[row], sourceOffset, out written);
    }
}

/// <summary>
/// The values of a PostgreSQL column as the UTF-8 bytes they arrive in, copied into one growing buffer per batch: text
/// columns (whose binary format is their UTF-8), written as JSON strings, and numeric columns sent as text, written as
/// JSON numbers. No string, decimal or box per value, and no conversion back to UTF-8 to write them.
/// </summary>
internal sealed class Utf8ColumnBuffer(int capacity, bool number) : ColumnBuffer(capacity)
{
    private readonly int[] _starts = new int[capacity];
    private readonly int[] _lengths = new int[capacity];
    private byte[] _bytes = new byte[capacity * 16];
    private int _used;

    public override bool WritesRaw => true;

    public override void Clear() => _used = 0;

    protected override void ReadValue(DbDataReader reader, int ordinal, int row)
    {
        // A null buffer asks for the value's length.
        var length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        if (_bytes.Length - _used < length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + length));
        }

        _starts[row] = _used;
        _lengths[row] = (int)reader.GetBytes(ordinal, 0, _bytes, _used, length);
        _used += _lengths[row];
    }

    protected override void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset)
    {
        var value = _bytes.AsSpan(_starts[row], _lengths[row]);
        if (number)
        {
            JsonCell.WriteNumberText(json, value);
        }
        else
        {
            json.WriteStringValue(value);
        }
    }

    protected override bool TryWriteRawValue(Span<byte> destination, int row, TimeSpan sourceOffset, out int written)
    {
        var value = _bytes.AsSpan(_starts[row], _lengths[row]);
        return number ? JsonCell.TryWriteRawNumberText(destination, value, out written) : JsonCell.TryWriteRawString(destination, value, out written);
    }

    // The text, as Npgsql's GetValue returns a text column or a column sent as text.
    protected override object GetNonNull(int row) => Encoding.UTF8.GetString(_bytes, _starts[row], _lengths[row]);
}

/// <summary>
/// Chooses, once per result set, how each column is read: with the typed getter of its type where the provider
/// guarantees one type per column, as UTF-8 bytes where PostgreSQL sends text, else boxed through
/// <see cref="DbDataReader.GetValue"/>.
/// </summary>
/// <remarks>
/// Only Npgsql's reader is trusted with typed getters: its column types are fixed by the row description, and its
/// typed getter for the column's own type is the converter <c>GetValue</c> uses, so the value (and hence the JSON)
/// is the same, without a box per value. SQLite reports a type per value, not per column, so it keeps the generic path.
/// Oracle and SQL Server columns go by their dialect's value table, where their provider-specific type is listed.
/// </remarks>
internal static class ColumnBuffers
{
    // PostgreSQL type OIDs (pg_type.dat).
    private const uint Bpchar = 1042;
    private const uint Varchar = 1043;
    private const uint Text = 25;
    private const uint Numeric = 1700;

    /// <summary>One buffer per column of <paramref name="reader"/>'s result set, for <paramref name="capacity"/> rows.</summary>
    /// <param name="reader">The reader, positioned anywhere.</param>
    /// <param name="capacity">Rows per buffer.</param>
    /// <param name="dialect">
    /// Whose value table applies (<see cref="OracleValues"/>, <see cref="SqlServerValues"/>); null to go by the reader's type.
    /// </param>
    public static ColumnBuffer[] For(DbDataReader reader, int capacity, SqlDialect? dialect = null)
    {
        var columns = new ColumnBuffer[reader.FieldCount];
        var postgres = reader as NpgsqlDataReader;
        var table = (dialect ?? DialectOf(reader)) switch
        {
            SqlDialect.Oracle => OracleValues.Table,
            SqlDialect.SqlServer => SqlServerValues.Table,
            _ => null,
        };

        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = postgres is not null ? ForPostgres(postgres, i, capacity)
                : table is not null && table.TryGetValue(reader.GetProviderSpecificFieldType(i), out var buffer) ? buffer(capacity)
                : Boxed(capacity);
        }

        return columns;
    }

    private static SqlDialect? DialectOf(DbDataReader reader) => reader switch
    {
        OracleDataReader => SqlDialect.Oracle,
        SqlDataReader => SqlDialect.SqlServer,
        _ => null,
    };

    /// <summary>
    /// For a PostgreSQL result, which columns to request in text format (<c>NpgsqlCommand.UnknownResultTypeList</c>):
    /// the numeric columns except the watermark's. Null when there are none or the reader is not PostgreSQL's.
    /// </summary>
    /// <remarks>
    /// PostgreSQL's text of a numeric is its exact decimal digits with the column's scale, a JSON number as it stands;
    /// the binary format costs the server a buffer per value and the daemon a <see cref="decimal"/> conversion and its
    /// formatting, and cannot carry what <see cref="decimal"/> cannot hold (NaN, infinities, more than 28 digits). The
    /// watermark's columns stay binary: the engine reads their typed values back as the next chunk's parameters.
    /// </remarks>
    public static bool[]? PostgresTextFormat(DbDataReader reader, int timestampOrdinal, int keyOrdinal)
    {
        if (reader is not NpgsqlDataReader postgres)
        {
            return null;
        }

        var text = new bool[postgres.FieldCount];
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = i != timestampOrdinal && i != keyOrdinal && postgres.GetDataTypeOID(i) == Numeric;
            any |= text[i];
        }

        return any ? text : null;
    }

    /// <summary>The buffer for a column of CLR type <paramref name="type"/>; boxed for types without a typed overload.</summary>
    public static ColumnBuffer Typed(Type type, int capacity) => type switch
    {
        _ when type == typeof(long) => new ColumnBuffer<long>(capacity, static (r, i) => r.GetInt64(i), static (json, v, _) => JsonCell.Write(json, v),
            static (Span<byte> d, long v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, v, out w)),
        _ when type == typeof(int) => new ColumnBuffer<int>(capacity, static (r, i) => r.GetInt32(i), static (json, v, _) => JsonCell.Write(json, v),
            static (Span<byte> d, int v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, (long)v, out w)),
        _ when type == typeof(short) => new ColumnBuffer<short>(capacity, static (r, i) => r.GetInt16(i), static (json, v, _) => JsonCell.Write(json, v),
            static (Span<byte> d, short v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, (long)v, out w)),
        _ when type == typeof(decimal) => new ColumnBuffer<decimal>(capacity, static (r, i) => r.GetDecimal(i), static (json, v, _) => JsonCell.Write(json, v),
            static (Span<byte> d, decimal v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, v, out w)),
        _ when type == typeof(string) => new ColumnBuffer<string>(capacity, static (r, i) => r.GetString(i), static (json, v, _) => json.WriteStringValue(v),
            static (Span<byte> d, string v, TimeSpan _, out int w) => JsonCell.TryWriteRawString(d, v, out w)),
        _ when type == typeof(DateTime) => new ColumnBuffer<DateTime>(capacity, static (r, i) => r.GetDateTime(i), static (json, v, offset) => JsonCell.Write(json, v, offset),
            static (Span<byte> d, DateTime v, TimeSpan offset, out int w) => JsonCell.TryWriteRaw(d, v, offset, out w)),
        _ when type == typeof(DateTimeOffset) => new ColumnBuffer<DateTimeOffset>(capacity, static (r, i) => r.GetFieldValue<DateTimeOffset>(i), static (json, v, _) => JsonCell.Write(json, v),
            static (Span<byte> d, DateTimeOffset v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, v, out w)),
        _ when type == typeof(double) => new ColumnBuffer<double>(capacity, static (r, i) => r.GetDouble(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(float) => new ColumnBuffer<float>(capacity, static (r, i) => r.GetFloat(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(bool) => new ColumnBuffer<bool>(capacity, static (r, i) => r.GetBoolean(i), static (json, v, _) => json.WriteBooleanValue(v),
            static (Span<byte> d, bool v, TimeSpan _, out int w) => JsonCell.TryWriteRaw(d, v, out w)),
        _ when type == typeof(Guid) => new ColumnBuffer<Guid>(capacity, static (r, i) => r.GetGuid(i), static (json, v, _) => json.WriteStringValue(v)),
        _ => Boxed(capacity),
    };

    private static ColumnBuffer ForPostgres(NpgsqlDataReader reader, int ordinal, int capacity) => reader.GetDataTypeOID(ordinal) switch
    {
        Text or Varchar or Bpchar => new Utf8ColumnBuffer(capacity, number: false),

        // A numeric requested in text format (PostgresTextFormat) is reported as a string column.
        Numeric when reader.GetFieldType(ordinal) == typeof(string) => new Utf8ColumnBuffer(capacity, number: true),
        _ => Typed(reader.GetFieldType(ordinal), capacity),
    };

    /// <summary>The generic path: the boxed value as <see cref="JsonCell"/> writes it.</summary>
    public static ColumnBuffer Boxed(int capacity) =>
        new ColumnBuffer<object>(capacity, static (r, i) => r.GetValue(i), static (json, v, offset) => JsonCell.Write(json, v, offset));
}
