using System.Data;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class JsonLinesPayloadWriterTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    [Fact]
    public async Task Complete_GivesOneLinePerRow_AndTheShaOfTheUncompressedBytes()
    {
        var payload = await WriteAsync(Table(rows: 3));
        var text = Gunzip(payload.Gzip);
        Assert.Equal(3, payload.RowCount);
        Assert.Equal(3, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), payload.Sha256);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), payload.UncompressedBytes);
    }

    [Fact]
    public async Task WriteRow_KeepsChineseUnescaped_AndDecimalsExactlyAsStored()
    {
        var line = Gunzip((await WriteAsync(Table(rows: 1))).Gzip).TrimEnd('\n');
        Assert.Contains("\"AAC003\":\"张伟\"", line, StringComparison.Ordinal);
        Assert.Contains("\"AAE022\":1234.50", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRow_WritesDateTimesWithOffset_NullsAndBase64()
    {
        var line = Gunzip((await WriteAsync(Table(rows: 1))).Gzip).TrimEnd('\n');
        using var document = JsonDocument.Parse(line);
        var row = document.RootElement;
        Assert.Equal("2026-11-22T10:00:00.0000000+08:00", row.GetProperty("LOCAL").GetString());
        Assert.Equal("2026-11-22T02:00:00.0000000+00:00", row.GetProperty("UTC").GetString());
        Assert.Equal("2026-11-22T10:00:00.0000000+08:00", row.GetProperty("OFFSET").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("NOTE").ValueKind);
        Assert.Equal("AQID", row.GetProperty("DATA").GetString());
        Assert.Equal(1L, row.GetProperty("AAC001").GetInt64());
    }

    [Fact]
    public async Task WriteRow_EscapesQuotesAndNewlines_SoEachRowStaysOneLine()
    {
        var table = new DataTable();
        table.Columns.Add("AAC003", typeof(string));
        table.Rows.Add("王\"小\"\n明");
        var text = Gunzip((await WriteAsync(table)).Gzip);
        Assert.Equal("{\"AAC003\":\"王\\\"小\\\"\\n明\"}\n", text);
    }

    [Fact]
    public async Task Complete_OfNoRows_IsAValidEmptyGzip()
    {
        using var writer = new JsonLinesPayloadWriter(Beijing);
        var payload = await writer.CompleteAsync(CancellationToken.None);
        Assert.Equal(0, payload.RowCount);
        Assert.Equal("", Gunzip(payload.Gzip));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(1025)]
    public async Task LastValue_IsTheLastRowsValue_AlsoWhenItFilledABatch(int rows)
    {
        using var reader = Table(rows).CreateDataReader();
        using var writer = new JsonLinesPayloadWriter(Beijing);
        while (reader.Read())
        {
            await writer.WriteRowAsync(reader, CancellationToken.None);
        }

        Assert.Equal((long)rows, writer.LastValue(0));
        Assert.Equal(DBNull.Value, writer.LastValue(6));
        Assert.Equal(rows, (await writer.CompleteAsync(CancellationToken.None)).RowCount);
    }

    [Fact]
    public void LastValue_BeforeAnyRow_SaysThereIsNone()
    {
        using var writer = new JsonLinesPayloadWriter(Beijing);
        var error = Assert.Throws<InvalidOperationException>(() => writer.LastValue(0));
        Assert.Contains("No row was written yet", error.Message, StringComparison.Ordinal);
    }

    private static async Task<Payload> WriteAsync(DataTable table)
    {
        using var reader = table.CreateDataReader();
        using var writer = new JsonLinesPayloadWriter(Beijing);
        while (reader.Read())
        {
            await writer.WriteRowAsync(reader, CancellationToken.None);
        }

        return await writer.CompleteAsync(CancellationToken.None);
    }

    private static DataTable Table(int rows)
    {
        var table = new DataTable();
        table.Columns.Add("AAC001", typeof(long));
        table.Columns.Add("AAC003", typeof(string));
        table.Columns.Add("AAE022", typeof(decimal));
        table.Columns.Add("LOCAL", typeof(DateTime));
        table.Columns.Add("UTC", typeof(DateTime)).DateTimeMode = DataSetDateTime.Utc;
        table.Columns.Add("OFFSET", typeof(DateTimeOffset));
        table.Columns.Add("NOTE", typeof(string));
        table.Columns.Add("DATA", typeof(byte[]));
        for (var i = 1; i <= rows; i++)
        {
            table.Rows.Add(
                (long)i,
                "张伟",
                1234.50m,
                new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Unspecified),
                new DateTime(2026, 11, 22, 2, 0, 0, DateTimeKind.Utc),
                new DateTimeOffset(2026, 11, 22, 10, 0, 0, Beijing),
                DBNull.Value,
                new byte[] { 1, 2, 3 });
        }

        return table;
    }

    internal static string Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
