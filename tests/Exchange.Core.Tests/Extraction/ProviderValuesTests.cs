using System.Data.SqlTypes;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Exchange.Core.Extraction;
using Exchange.Core.Sources;
using Exchange.Core.Tests.TestSupport;
using Oracle.ManagedDataAccess.Types;

namespace Exchange.Core.Tests.Extraction;

/// <summary>
/// The Oracle and SQL Server value tables, value by value, through the payload writer the engine uses, with the
/// providers' own value types built directly.
/// </summary>
public sealed class ProviderValuesTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    [Theory]
    [InlineData("123456789012345678901234567890123456789")]
    [InlineData("-0.000000000000000000000000000000000123")]
    [InlineData("1234.5")]
    [InlineData("0")]
    public async Task Oracle_Number_IsWrittenWithItsExactDigits_AsAJsonNumber(string digits)
    {
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("N", typeof(OracleDecimal), OracleDecimal.Parse(digits)));
        Assert.Equal($"{{\"N\":{digits}}}", line);
    }

    [Fact]
    public async Task Oracle_Number_BeyondDecimalsRange_NeverOverflows_AndItsLastValueIsItsText()
    {
        var huge = OracleDecimal.Multiply(OracleDecimal.Parse("1" + new string('0', 38)), OracleDecimal.Parse("1" + new string('0', 38)));
        var (line, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("N", typeof(OracleDecimal), huge));
        Assert.Equal("{\"N\":1" + new string('0', 76) + "}", line);
        Assert.Equal("1" + new string('0', 76), last);
    }

    [Fact]
    public async Task Oracle_Number_WithinDecimalsRange_HasADecimalLastValue_ForTheWatermark()
    {
        var (_, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("N", typeof(OracleDecimal), new OracleDecimal(42m)));
        Assert.Equal(42m, last);
    }

    [Fact]
    public async Task Oracle_Date_IsWallClockTimeInTheSourcesOffset()
    {
        var (line, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("D", typeof(OracleDate), new OracleDate(2026, 11, 22, 10, 0, 5)));
        Assert.Equal("{\"D\":\"2026-11-22T10:00:05.0000000+08:00\"}", line);
        Assert.Equal(new DateTime(2026, 11, 22, 10, 0, 5), last);
    }

    [Theory]
    [InlineData(123456789, "2026-11-22T10:00:05.123456789+08:00")]
    [InlineData(123456700, "2026-11-22T10:00:05.1234567+08:00")]
    [InlineData(0, "2026-11-22T10:00:05.0000000+08:00")]
    public async Task Oracle_Timestamp_KeepsItsNanoseconds(int nanoseconds, string expected)
    {
        var value = new OracleTimeStamp(2026, 11, 22, 10, 0, 5, nanoseconds);
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("T", typeof(OracleTimeStamp), value));
        Assert.Equal($"{{\"T\":\"{expected}\"}}", line);
    }

    [Fact]
    public async Task Oracle_TimestampWithTimeZone_KeepsItsOwnOffset()
    {
        var value = new OracleTimeStampTZ(2026, 11, 22, 10, 0, 5, 500000000, "+05:30");
        var (line, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("T", typeof(OracleTimeStampTZ), value));
        Assert.Equal("{\"T\":\"2026-11-22T10:00:05.5000000+05:30\"}", line);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 5, 500, TimeSpan.FromMinutes(330)), last);
    }

    [Fact]
    public async Task Oracle_TimestampWithLocalTimeZone_IsInTheSessionsZone()
    {
        var value = new OracleTimeStampLTZ(2026, 11, 22, 10, 0, 5);
        var offset = value.ToOracleTimeStampTZ().GetTimeZoneOffset();
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("T", typeof(OracleTimeStampLTZ), value));
        Assert.Equal($"{{\"T\":\"{new DateTimeOffset(2026, 11, 22, 10, 0, 5, offset):O}\"}}", line);
    }

    [Fact]
    public async Task Oracle_Nvarchar2_IsTheTextWithChineseUnescaped()
    {
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("S", typeof(OracleString), new OracleString("张伟 \"医保\"")));
        Assert.Equal("{\"S\":\"张伟 \\\"医保\\\"\"}", line);
    }

    [Fact]
    public async Task Oracle_Raw_IsBase64()
    {
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("R", typeof(OracleBinary), new OracleBinary([0, 1, 2, 254, 255])));
        Assert.Equal("{\"R\":\"AAEC/v8=\"}", line);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8191)]
    [InlineData(20000)]
    public async Task Oracle_Clob_IsStreamedInPieces_AndComesOutAsTheWholeText(int filler)
    {
        // A surrogate pair straddles the 8192-character piece boundary when filler is 8191.
        var text = new string('x', filler) + "😀张伟\"\n" + new string('y', filler);
        var (line, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("C", typeof(OracleClob), text));
        Assert.Equal(Reference("C", text), line);
        Assert.Equal(text, last);
    }

    [Fact]
    public async Task Oracle_Blob_IsStreamedInPieces_AsBase64()
    {
        var bytes = Enumerable.Range(0, 20001).Select(i => (byte)(i * 7)).ToArray();
        var (line, last) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("B", typeof(OracleBlob), bytes));
        Assert.Equal($"{{\"B\":\"{Convert.ToBase64String(bytes)}\"}}", line);
        Assert.Equal(bytes, last);
    }

    [Fact]
    public async Task Oracle_Null_IsJsonNull()
    {
        var (line, _) = await WriteOneAsync(SqlDialect.Oracle, new ProviderColumn("N", typeof(OracleDecimal), [null]), new ProviderColumn("C", typeof(OracleClob), [null]));
        Assert.Equal("{\"N\":null,\"C\":null}", line);
    }

    [Theory]
    [InlineData("1234567890123456789012345678901234.5678")]
    [InlineData("-99999999999999999999999999999999999999")]
    [InlineData("1234.50")]
    public async Task SqlServer_Decimal38_IsWrittenWithItsExactDigitsAndScale(string digits)
    {
        var (line, _) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("N", typeof(SqlDecimal), SqlDecimal.Parse(digits)));
        Assert.Equal($"{{\"N\":{digits}}}", line);
    }

    [Fact]
    public async Task SqlServer_Datetime2_IsWallClockTimeInTheSourcesOffset_To100ns()
    {
        var value = new DateTime(2026, 11, 22, 10, 0, 5).AddTicks(1234567);
        var (line, last) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("T", typeof(DateTime), value));
        Assert.Equal("{\"T\":\"2026-11-22T10:00:05.1234567+08:00\"}", line);
        Assert.Equal(value, last);
    }

    [Fact]
    public async Task SqlServer_Datetimeoffset_KeepsItsOwnOffset()
    {
        var value = new DateTimeOffset(2026, 11, 22, 10, 0, 5, TimeSpan.FromHours(-3)).AddTicks(1);
        var (line, _) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("T", typeof(DateTimeOffset), value));
        Assert.Equal("{\"T\":\"2026-11-22T10:00:05.0000001-03:00\"}", line);
    }

    [Fact]
    public async Task SqlServer_Uniqueidentifier_IsTheGuidsText()
    {
        var guid = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff");
        var (line, last) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("G", typeof(SqlGuid), new SqlGuid(guid)));
        Assert.Equal("{\"G\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\"}", line);
        Assert.Equal(guid, last);
    }

    [Fact]
    public async Task SqlServer_VarbinaryMax_IsStreamedAsBase64()
    {
        var bytes = Enumerable.Range(0, 50000).Select(i => (byte)i).ToArray();
        var (line, _) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("B", typeof(SqlBinary), new SqlBinary(bytes)));
        Assert.Equal($"{{\"B\":\"{Convert.ToBase64String(bytes)}\"}}", line);
    }

    [Fact]
    public async Task SqlServer_Rowversion_IsItsEightBytesAsBase64()
    {
        var (line, _) = await WriteOneAsync(SqlDialect.SqlServer, new ProviderColumn("RV", typeof(SqlBinary), new SqlBinary([0, 0, 0, 0, 0, 0, 7, 0xD1])));
        Assert.Equal("{\"RV\":\"AAAAAAAAB9E=\"}", line);
    }

    [Fact]
    public void Tables_ListTheTypesTheIssueNames()
    {
        Assert.Equal(
            new[] { typeof(OracleDecimal), typeof(OracleDate), typeof(OracleTimeStamp), typeof(OracleTimeStampTZ), typeof(OracleTimeStampLTZ), typeof(OracleString), typeof(OracleBinary), typeof(OracleClob), typeof(OracleBlob) }.Order(TypeOrder.Instance),
            OracleValues.Table.Keys.Order(TypeOrder.Instance));
        Assert.Equal(
            new[] { typeof(SqlDecimal), typeof(DateTime), typeof(SqlDateTime), typeof(DateTimeOffset), typeof(SqlGuid), typeof(SqlBinary) }.Order(TypeOrder.Instance),
            SqlServerValues.Table.Keys.Order(TypeOrder.Instance));
    }

    // One row through JsonLinesPayloadWriter: its line, and the writer's LastValue of the first column (the watermark path).
    private static async Task<(string Line, object Last)> WriteOneAsync(SqlDialect dialect, params ProviderColumn[] columns)
    {
        var reader = new ProviderTypedReader(columns);
        using var writer = new JsonLinesPayloadWriter(Beijing, dialect);
        Assert.True(reader.Read());
        await writer.WriteRowAsync(reader, CancellationToken.None);
        var last = writer.LastValue(0);
        var payload = await writer.CompleteAsync(CancellationToken.None);
        using var gzip = new GZipStream(new MemoryStream(payload.Gzip), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        return ((await text.ReadToEndAsync()).TrimEnd('\n'), last);
    }

    // The line JsonCell writes for a string, in one piece.
    private static string Reference(string name, string value)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JsonCell.PayloadEncoder }))
        {
            json.WriteStartObject();
            json.WritePropertyName(name);
            JsonCell.Write(json, value, Beijing);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private sealed class TypeOrder : IComparer<Type>
    {
        public static readonly TypeOrder Instance = new();

        public int Compare(Type? x, Type? y) => string.CompareOrdinal(x?.FullName, y?.FullName);
    }
}
