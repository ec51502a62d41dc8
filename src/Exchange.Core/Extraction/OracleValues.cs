using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Oracle.ManagedDataAccess.Types;

namespace Exchange.Core.Extraction;

/// <summary>
/// How each Oracle type comes out in the payload, keyed by the type ODP.NET reports as the column's provider-specific
/// type. Types not listed go through <see cref="DbDataReader.GetValue"/> and <see cref="JsonCell"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>NUMBER</c>: the exact digits of <see cref="OracleDecimal"/> (38 significant digits and exponents to 125,
/// which <see cref="decimal"/> cannot hold: <c>GetValue</c> would throw), as a JSON number.</item>
/// <item><c>DATE</c>, <c>TIMESTAMP</c>: wall-clock time in the source's offset; nanoseconds kept when a
/// <c>TIMESTAMP(9)</c> has digits beyond the 100 ns a <see cref="DateTime"/> holds.</item>
/// <item><c>TIMESTAMP WITH TIME ZONE</c>: with its own offset; <c>WITH LOCAL TIME ZONE</c>: in the session's zone.</item>
/// <item><c>CLOB</c>/<c>NCLOB</c>: streamed as a JSON string; <c>BLOB</c>: streamed as base64; <c>RAW</c>: base64.</item>
/// <item><c>VARCHAR2</c>/<c>NVARCHAR2</c>/<c>CHAR</c>/<c>NCHAR</c>: the text, Chinese unescaped.</item>
/// </list>
/// </remarks>
internal static class OracleValues
{
    /// <summary>The table: provider-specific type → the column buffer that reads and writes it.</summary>
    public static IReadOnlyDictionary<Type, Func<int, ColumnBuffer>> Table { get; } = new Dictionary<Type, Func<int, ColumnBuffer>>
    {
        [typeof(OracleDecimal)] = capacity => new ColumnBuffer<OracleDecimal>(
            capacity, Read<OracleDecimal>, static (json, v, _) => JsonCell.WriteNumberText(json, v.ToString()), box: BoxNumber),
        [typeof(OracleDate)] = capacity => new ColumnBuffer<OracleDate>(
            capacity, Read<OracleDate>, static (json, v, offset) => JsonCell.Write(json, v.Value, offset), box: static v => v.Value),
        [typeof(OracleTimeStamp)] = capacity => new ColumnBuffer<OracleTimeStamp>(
            capacity, Read<OracleTimeStamp>, static (json, v, offset) => WriteTime(json, Wall(v.Year, v.Month, v.Day, v.Hour, v.Minute, v.Second), v.Nanosecond, offset),
            box: static v => Wall(v.Year, v.Month, v.Day, v.Hour, v.Minute, v.Second).AddTicks(v.Nanosecond / 100)),
        [typeof(OracleTimeStampTZ)] = capacity => new ColumnBuffer<OracleTimeStampTZ>(
            capacity, Read<OracleTimeStampTZ>, static (json, v, _) => WriteZoned(json, v), box: static v => Zoned(v)),
        [typeof(OracleTimeStampLTZ)] = capacity => new ColumnBuffer<OracleTimeStampLTZ>(
            capacity, Read<OracleTimeStampLTZ>, static (json, v, _) => WriteZoned(json, v.ToOracleTimeStampTZ()), box: static v => Zoned(v.ToOracleTimeStampTZ())),
        [typeof(OracleString)] = capacity => new ColumnBuffer<string>(
            capacity, static (r, i) => ((OracleString)r.GetProviderSpecificValue(i)).Value, static (json, v, _) => json.WriteStringValue(v),
            static (Span<byte> d, string v, TimeSpan _, out int w) => JsonCell.TryWriteRawString(d, v, out w)),
        [typeof(OracleBinary)] = capacity => new ColumnBuffer<byte[]>(
            capacity, static (r, i) => ((OracleBinary)r.GetProviderSpecificValue(i)).Value, static (json, v, _) => json.WriteBase64StringValue(v)),
        [typeof(OracleClob)] = capacity => new StreamedColumnBuffer(capacity, binary: false),
        [typeof(OracleBlob)] = capacity => new StreamedColumnBuffer(capacity, binary: true),
    };

    private static T Read<T>(DbDataReader reader, int ordinal) => (T)reader.GetProviderSpecificValue(ordinal);

    // What GetValue returns where it can (a decimal), the exact text where it would overflow.
    private static object BoxNumber(OracleDecimal value)
    {
        try
        {
            return value.Value;
        }
        catch (Exception error) when (error is OverflowException or InvalidCastException)
        {
            // ODP.NET reports a value beyond decimal's range as an InvalidCastException around an OverflowException.
            return value.ToString();
        }
    }

    private static DateTime Wall(int year, int month, int day, int hour, int minute, int second) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Unspecified);

    private static DateTimeOffset Zoned(OracleTimeStampTZ value) =>
        new DateTimeOffset(Wall(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second), value.GetTimeZoneOffset()).AddTicks(value.Nanosecond / 100);

    private static void WriteZoned(Utf8JsonWriter json, OracleTimeStampTZ value) =>
        WriteTime(json, Wall(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second), value.Nanosecond, value.GetTimeZoneOffset());

    // The JsonCell text (7 fraction digits) when 100 ns hold the value; all 9 digits when they do not.
    private static void WriteTime(Utf8JsonWriter json, DateTime wholeSeconds, int nanosecond, TimeSpan offset)
    {
        if (nanosecond % 100 == 0)
        {
            JsonCell.Write(json, new DateTimeOffset(wholeSeconds.AddTicks(nanosecond / 100), offset));
            return;
        }

        var seconds = new DateTimeOffset(wholeSeconds, offset);
        json.WriteStringValue(
            seconds.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." +
            nanosecond.ToString("D9", CultureInfo.InvariantCulture) + seconds.ToString("zzz", CultureInfo.InvariantCulture));
    }
}
