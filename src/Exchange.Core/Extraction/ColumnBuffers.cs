using System.Data.Common;
using System.Text.Json;
using Npgsql;

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

    /// <summary>The value of <paramref name="row"/>, boxed (<see cref="DBNull.Value"/> for null), as <see cref="DbDataReader.GetValue"/> returns it.</summary>
    public object GetValue(int row) => _nulls[row] ? DBNull.Value : GetNonNull(row);

    /// <summary>Drops references (strings, boxes) so a reused buffer does not keep them alive.</summary>
    public abstract void Clear();

    protected abstract void ReadValue(DbDataReader reader, int ordinal, int row);

    protected abstract object GetNonNull(int row);

    protected abstract void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset);
}

/// <summary>A column buffer of one CLR type with its typed getter and its <see cref="JsonCell"/> overload.</summary>
internal sealed class ColumnBuffer<T>(int capacity, Func<DbDataReader, int, T> read, Action<Utf8JsonWriter, T, TimeSpan> write) : ColumnBuffer(capacity)
{
    private readonly T[] _values = new T[capacity];

    public override void Clear() => Array.Clear(_values);

    protected override void ReadValue(DbDataReader reader, int ordinal, int row) => _values[row] = read(reader, ordinal);

    protected override void WriteValue(Utf8JsonWriter json, int row, TimeSpan sourceOffset) => write(json, _values[row], sourceOffset);

    protected override object GetNonNull(int row) => _values[row]!;
}

/// <summary>
/// Chooses, once per result set, how each column is read: with the typed getter of its type where the provider
/// guarantees one type per column, else boxed through <see cref="DbDataReader.GetValue"/>.
/// </summary>
/// <remarks>
/// Only Npgsql's reader is trusted with typed getters: its column types are fixed by the row description, and its
/// typed getter for the column's own type is the converter <c>GetValue</c> uses, so the value (and hence the JSON)
/// is the same, without a box per value. SQLite reports a type per value, not per column, and the run-time loaded
/// Oracle and SQL Server drivers are not tested here, so they keep the generic path.
/// </remarks>
internal static class ColumnBuffers
{
    /// <summary>One buffer per column of <paramref name="reader"/>'s result set, for <paramref name="capacity"/> rows.</summary>
    public static ColumnBuffer[] For(DbDataReader reader, int capacity)
    {
        var columns = new ColumnBuffer[reader.FieldCount];
        var typed = reader is NpgsqlDataReader;
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = typed ? Typed(reader.GetFieldType(i), capacity) : Boxed(capacity);
        }

        return columns;
    }

    /// <summary>The buffer for a column of CLR type <paramref name="type"/>; boxed for types without a typed overload.</summary>
    public static ColumnBuffer Typed(Type type, int capacity) => type switch
    {
        _ when type == typeof(long) => new ColumnBuffer<long>(capacity, static (r, i) => r.GetInt64(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(int) => new ColumnBuffer<int>(capacity, static (r, i) => r.GetInt32(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(short) => new ColumnBuffer<short>(capacity, static (r, i) => r.GetInt16(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(decimal) => new ColumnBuffer<decimal>(capacity, static (r, i) => r.GetDecimal(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(string) => new ColumnBuffer<string>(capacity, static (r, i) => r.GetString(i), static (json, v, _) => json.WriteStringValue(v)),
        _ when type == typeof(DateTime) => new ColumnBuffer<DateTime>(capacity, static (r, i) => r.GetDateTime(i), static (json, v, offset) => JsonCell.Write(json, v, offset)),
        _ when type == typeof(DateTimeOffset) => new ColumnBuffer<DateTimeOffset>(capacity, static (r, i) => r.GetFieldValue<DateTimeOffset>(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(double) => new ColumnBuffer<double>(capacity, static (r, i) => r.GetDouble(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(float) => new ColumnBuffer<float>(capacity, static (r, i) => r.GetFloat(i), static (json, v, _) => JsonCell.Write(json, v)),
        _ when type == typeof(bool) => new ColumnBuffer<bool>(capacity, static (r, i) => r.GetBoolean(i), static (json, v, _) => json.WriteBooleanValue(v)),
        _ when type == typeof(Guid) => new ColumnBuffer<Guid>(capacity, static (r, i) => r.GetGuid(i), static (json, v, _) => json.WriteStringValue(v)),
        _ => Boxed(capacity),
    };

    /// <summary>The generic path: the boxed value as <see cref="JsonCell"/> writes it.</summary>
    public static ColumnBuffer Boxed(int capacity) =>
        new ColumnBuffer<object>(capacity, static (r, i) => r.GetValue(i), static (json, v, offset) => JsonCell.Write(json, v, offset));
}
