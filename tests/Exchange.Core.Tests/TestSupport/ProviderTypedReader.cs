using System.Collections;
using System.Data.Common;
using System.Data.SqlTypes;
using Oracle.ManagedDataAccess.Types;

namespace Exchange.Core.Tests.TestSupport;

/// <summary>One column of a <see cref="ProviderTypedReader"/>: its name, the provider-specific type it reports, and a value per row.</summary>
internal sealed record ProviderColumn(string Name, Type ProviderType, params object?[] Values);

/// <summary>
/// A reader that reports provider-specific column types (<see cref="OracleDecimal"/>, <see cref="SqlDecimal"/>, …) and
/// returns the provider's own values, built directly, as ODP.NET's and SqlClient's readers do; LOB columns hold a string
/// or bytes, read back in pieces through <see cref="GetChars"/> and <see cref="GetBytes"/>.
/// </summary>
internal sealed class ProviderTypedReader(params ProviderColumn[] columns) : DbDataReader
{
    private int _row = -1;

    public override int FieldCount => columns.Length;

    public override bool HasRows => columns.Length > 0 && columns[0].Values.Length > 0;

    public override bool IsClosed => false;

    public override int RecordsAffected => -1;

    public override int Depth => 0;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read() => ++_row < columns[0].Values.Length;

    public override bool NextResult() => false;

    public override string GetName(int ordinal) => columns[ordinal].Name;

    public override int GetOrdinal(string name) => Array.FindIndex(columns, c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public override Type GetProviderSpecificFieldType(int ordinal) => columns[ordinal].ProviderType;

    public override object GetProviderSpecificValue(int ordinal) => columns[ordinal].Values[_row] ?? DBNull.Value;

    public override Type GetFieldType(int ordinal) => columns[ordinal].ProviderType;

    public override string GetDataTypeName(int ordinal) => columns[ordinal].ProviderType.Name;

    public override bool IsDBNull(int ordinal) => columns[ordinal].Values[_row] is null or DBNull;

    // What the drivers' GetValue returns for the provider values used in the tests.
    public override object GetValue(int ordinal) => GetProviderSpecificValue(ordinal) switch
    {
        SqlGuid g => g.Value,
        SqlBinary b => b.Value,
        SqlDateTime d => d.Value,
        var value => value,
    };

    public override Guid GetGuid(int ordinal) => (Guid)GetValue(ordinal);

    public override DateTime GetDateTime(int ordinal) => (DateTime)GetValue(ordinal);

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length)
    {
        var text = (string)GetValue(ordinal);
        if (buffer is null)
        {
            return text.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, text.Length - dataOffset));
        text.CopyTo((int)dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length)
    {
        var bytes = (byte[])GetValue(ordinal);
        if (buffer is null)
        {
            return bytes.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, bytes.Length - dataOffset));
        Array.Copy(bytes, dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override int GetValues(object[] values) => throw new NotSupportedException();

    public override bool GetBoolean(int ordinal) => throw new NotSupportedException();

    public override byte GetByte(int ordinal) => throw new NotSupportedException();

    public override char GetChar(int ordinal) => throw new NotSupportedException();

    public override decimal GetDecimal(int ordinal) => throw new NotSupportedException();

    public override double GetDouble(int ordinal) => throw new NotSupportedException();

    public override float GetFloat(int ordinal) => throw new NotSupportedException();

    public override short GetInt16(int ordinal) => throw new NotSupportedException();

    public override int GetInt32(int ordinal) => throw new NotSupportedException();

    public override long GetInt64(int ordinal) => throw new NotSupportedException();

    public override string GetString(int ordinal) => throw new NotSupportedException();

    public override IEnumerator GetEnumerator() => throw new NotSupportedException();
}
