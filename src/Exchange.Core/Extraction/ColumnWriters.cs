using System.Data.Common;
using System.Text.Json;
using Npgsql;

namespace Exchange.Core.Extraction;

/// <summary>Writes one column of the reader's current row as a JSON value.</summary>
internal delegate void ColumnWriter(Utf8JsonWriter json, DbDataReader reader, int ordinal, TimeSpan sourceOffset);

/// <summary>
/// Chooses, once per result set, how each column is read: with the typed getter of its type where the provider
/// guarantees one type per column, else boxed through <see cref="DbDataReader.GetValue"/>.
/// </summary>
/// <remarks>
/// Only Npgsql's reader is trusted with typed getters: its column types are fixed by the row description, and its
/// <c>GetFieldValue&lt;T&gt;</c> for the column's own type is the converter <c>GetValue</c> uses, so the value (and
/// hence the JSON) is the same, without a box per value. SQLite reports a type per value, not per column, and the
/// run-time loaded Oracle and SQL Server drivers are not tested here, so they keep the generic path.
/// </remarks>
internal static class ColumnWriters
{
    /// <summary>The writer of each column of <paramref name="reader"/>'s result set.</summary>
    public static ColumnWriter[] For(DbDataReader reader)
    {
        var writers = new ColumnWriter[reader.FieldCount];
        var typed = reader is NpgsqlDataReader;
        for (var i = 0; i < writers.Length; i++)
        {
            writers[i] = typed ? Typed(reader.GetFieldType(i)) : Boxed;
        }

        return writers;
    }

    /// <summary>The writer for a column of CLR type <paramref name="type"/>; boxed for types without a typed overload.</summary>
    public static ColumnWriter Typed(Type type) => type switch
    {
        _ when type == typeof(long) => static (json, r, i, _) => JsonCell.Write(json, r.GetInt64(i)),
        _ when type == typeof(int) => static (json, r, i, _) => JsonCell.Write(json, r.GetInt32(i)),
        _ when type == typeof(short) => static (json, r, i, _) => JsonCell.Write(json, r.GetInt16(i)),
        _ when type == typeof(decimal) => static (json, r, i, _) => JsonCell.Write(json, r.GetDecimal(i)),
        _ when type == typeof(string) => static (json, r, i, _) => json.WriteStringValue(r.GetString(i)),
        _ when type == typeof(DateTime) => static (json, r, i, offset) => JsonCell.Write(json, r.GetDateTime(i), offset),
        _ when type == typeof(DateTimeOffset) => static (json, r, i, _) => JsonCell.Write(json, r.GetFieldValue<DateTimeOffset>(i)),
        _ when type == typeof(double) => static (json, r, i, _) => JsonCell.Write(json, r.GetDouble(i)),
        _ when type == typeof(float) => static (json, r, i, _) => JsonCell.Write(json, r.GetFloat(i)),
        _ when type == typeof(bool) => static (json, r, i, _) => json.WriteBooleanValue(r.GetBoolean(i)),
        _ when type == typeof(Guid) => static (json, r, i, _) => json.WriteStringValue(r.GetGuid(i)),
        _ => Boxed,
    };

    /// <summary>The generic path: the boxed value as <see cref="JsonCell"/> writes it.</summary>
    public static void Boxed(Utf8JsonWriter json, DbDataReader reader, int ordinal, TimeSpan sourceOffset) =>
        JsonCell.Write(json, reader.GetValue(ordinal), sourceOffset);
}
