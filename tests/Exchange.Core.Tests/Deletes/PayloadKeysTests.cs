using System.Data;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Exchange.Core.Deletes;
using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Deletes;

public sealed class PayloadKeysTests
{
    [Fact]
    public async Task Read_GivesEachLinesKeyAsThePayloadWroteIt_NumbersAndEscapedStrings()
    {
        var table = new DataTable();
        table.Columns.Add("AAZ223", typeof(string));
        table.Columns.Add("AAE022", typeof(decimal));
        table.Rows.Add("张\"三\"", 1.50m);
        table.Rows.Add("A-7", 2m);
        var numbers = new DataTable();
        numbers.Columns.Add("AAE022", typeof(decimal));
        numbers.Columns.Add("AAZ223", typeof(long));
        numbers.Rows.Add(0.10m, 42L);

        Assert.Equal(["\"张\\\"三\\\"\"", "\"A-7\""], PayloadKeys.Read((await WriteAsync(table)).Gzip, "AAZ223"));
        Assert.Equal(["42"], PayloadKeys.Read((await WriteAsync(numbers)).Gzip, "aaz223"));
    }

    [Fact]
    public async Task Read_RefusesALineWithoutTheKey_NamingTheLineAndTheField()
    {
        var table = new DataTable();
        table.Columns.Add("AAC001", typeof(long));
        table.Rows.Add(1L);

        var payload = await WriteAsync(table);

        var error = Assert.Throws<InvalidDataException>(() => PayloadKeys.Read(payload.Gzip, "AAZ223"));
        Assert.Equal("Line 1 of the payload has no key field 'AAZ223' (KeyColumn); the key index needs it on every line.", error.Message);
    }

    [Fact]
    public void Tombstones_AreOneLinePerKey_WithTheKeyAndTheDeleteOperation_AndTheirSha()
    {
        var payload = PayloadKeys.Tombstones("AAZ223", ["42", "\"张三\""]);

        var text = Gunzip(payload.Gzip);
        Assert.Equal("{\"AAZ223\":42,\"_op\":\"delete\"}\n{\"AAZ223\":\"张三\",\"_op\":\"delete\"}\n", text);
        Assert.Equal(2, payload.RowCount);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text))), payload.Sha256);
        Assert.Equal(["42", "\"张三\""], PayloadKeys.Read(payload.Gzip, "AAZ223"));
        Assert.Equal("delete", JsonDocument.Parse(text.Split('\n')[0]).RootElement.GetProperty("_op").GetString());
    }

    [Fact]
    public void KeyPosition_KeepsTheKeysType()
    {
        Assert.Equal(42L, KeyPosition.Parse(KeyPosition.ToText(42L)));
        Assert.Equal("张三", KeyPosition.Parse(KeyPosition.ToText("张三")));
        Assert.Equal(12.50m, KeyPosition.Parse(KeyPosition.ToText(12.50m)));
        Assert.Throws<FormatException>(() => KeyPosition.Parse("{\"key\":\"1\"}"));
    }

    private static async Task<Payload> WriteAsync(DataTable table)
    {
        using var writer = new JsonLinesPayloadWriter(TimeSpan.FromHours(8));
        using var reader = table.CreateDataReader();
        while (await reader.ReadAsync())
        {
            await writer.WriteRowAsync(reader, default);
        }

        return await writer.CompleteAsync(default);
    }

    private static string Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
