using System.Data.Common;
using System.Text.Json;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// Up to <see cref="Capacity"/> rows copied out of a reader, column by column, so that another thread can write them
/// as JSON while the reader moves on. Reused from one batch of rows to the next.
/// </summary>
internal sealed class RowBatch
{
    /// <summary>Rows per batch: large enough that handing a batch over costs nothing per row, small enough to stay in cache.</summary>
    public const int Capacity = 512;

    private readonly ColumnBuffer[] _columns;

    public RowBatch(DbDataReader reader, SqlDialect? dialect)
    {
        _columns = ColumnBuffers.For(reader, Capacity, dialect);
        WritesRaw = Array.TrueForAll(_columns, c => c.WritesRaw);
    }

    /// <summary>True when every column can be written by <see cref="TryWriteRaw"/>.</summary>
    public bool WritesRaw { get; }

    /// <summary>Rows held.</summary>
    public int Count { get; private set; }

    /// <summary>True when no further row fits.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Copies the reader's current row.</summary>
    public void Add(DbDataReader reader)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i].Read(reader, i, Count);
        }

        Count++;
    }

    /// <summary>Writes column <paramref name="ordinal"/> of row <paramref name="row"/> as a JSON value.</summary>
    public void Write(Utf8JsonWriter json, int row, int ordinal, TimeSpan sourceOffset) => _columns[ordinal].Write(json, row, sourceOffset);

    /// <summary>Writes column <paramref name="ordinal"/> of row <paramref name="row"/> straight into <paramref name="destination"/>; false when it needs the JSON writer.</summary>
    public bool TryWriteRaw(Span<byte> destination, int row, int ordinal, TimeSpan sourceOffset, out int written) =>
        _columns[ordinal].TryWriteRaw(destination, row, sourceOffset, out written);

    /// <summary>The value of column <paramref name="ordinal"/> of row <paramref name="row"/>, boxed as the reader's <c>GetValue</c> returns it.</summary>
    public object GetValue(int row, int ordinal) => _columns[ordinal].GetValue(row);

    /// <summary>Empties the batch for reuse, dropping the references it held.</summary>
    public void Clear()
    {
        foreach (var column in _columns)
        {
            column.Clear();
        }

        Count = 0;
    }
}
