using System.Text;
using System.Text.Json;
using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class JsonCellTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0.5", "-0.5")]
    [InlineData("240.00", "240.00")]
    [InlineData("12345678901234567890123456789012345.000100", "12345678901234567890123456789012345.000100")]
    [InlineData("0.000000000000000000000000000001", "0.000000000000000000000000000001")]
    [InlineData("NaN", "\"NaN\"")]
    [InlineData("Infinity", "\"Infinity\"")]
    [InlineData("-Infinity", "\"-Infinity\"")]
    [InlineData("1e5", "\"1e5\"")]
    [InlineData("01", "\"01\"")]
    [InlineData("1.", "\"1.\"")]
    [InlineData(".5", "\".5\"")]
    [InlineData("-", "\"-\"")]
    [InlineData("", "\"\"")]
    [InlineData("1\"}", "\"1\\\"}\"")]
    public void WriteNumberText_WritesAJsonNumberAsIs_AndAnythingElseAsText(string text, string expected)
    {
        Assert.Equal(expected, Written(json => JsonCell.WriteNumberText(json, Encoding.UTF8.GetBytes(text))));
    }

    [Fact]
    public void WriteNumberText_WritesTheSameAsTheDecimalOverload_ForWhatADecimalHolds()
    {
        foreach (var value in new[] { 0m, 240.00m, -6.13m, 0.000m, 12345678901234567.000100m, decimal.MaxValue, decimal.MinValue })
        {
            var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Written(json => JsonCell.Write(json, value)), Written(json => JsonCell.WriteNumberText(json, Encoding.UTF8.GetBytes(text))));
        }
    }

    [Theory]
    [InlineData("plain", true)]
    [InlineData("", true)]
    [InlineData("张三 <&>+'", true)]
    [InlineData("say \"hi\"", false)]
    [InlineData("back\\slash", false)]
    [InlineData("line\nbreak", false)]
    [InlineData("emoji 😀", false)]
    public void TryWriteRawString_WritesWhatTheWriterWrites_OrLeavesTheValueToIt(string value, bool raw)
    {
        var destination = new byte[64];
        Assert.Equal(raw, JsonCell.TryWriteRawString(destination, Encoding.UTF8.GetBytes(value), out var written));
        Assert.Equal(raw, JsonCell.TryWriteRawString(destination.AsSpan(32), value, out var writtenFromString));
        if (raw)
        {
            var expected = Written(json => json.WriteStringValue(value));
            Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
            Assert.Equal(expected, Encoding.UTF8.GetString(destination, 32, writtenFromString));
        }
    }

    [Fact]
    public void TryWriteRawString_LeavesInvalidUtf8AndALoneSurrogate_ToTheWriter()
    {
        var destination = new byte[64];
        Assert.False(JsonCell.TryWriteRawString(destination, new byte[] { (byte)'a', 0xC3, 0x28 }, out _));
        Assert.False(JsonCell.TryWriteRawString(destination, "a\uD800b", out _));
    }

    [Fact]
    public void RawForms_WriteWhatTheWriterOverloadsWrite_AndNothingWhenTheDestinationIsShort()
    {
        var local = new DateTime(2026, 11, 1, 8, 0, 0, 123, DateTimeKind.Unspecified).AddTicks(4560);
        var utc = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var beijing = TimeSpan.FromHours(8);
        var destination = new byte[64];

        Assert.True(JsonCell.TryWriteRaw(destination, local, beijing, out var written));
        Assert.Equal(Written(json => JsonCell.Write(json, local, beijing)), Encoding.UTF8.GetString(destination, 0, written));
        Assert.True(JsonCell.TryWriteRaw(destination, utc, out written));
        Assert.Equal(Written(json => JsonCell.Write(json, utc)), Encoding.UTF8.GetString(destination, 0, written));
        Assert.True(JsonCell.TryWriteRaw(destination, -12345.600m, out written));
        Assert.Equal(Written(json => JsonCell.Write(json, -12345.600m)), Encoding.UTF8.GetString(destination, 0, written));
        Assert.True(JsonCell.TryWriteRaw(destination, long.MinValue, out written));
        Assert.Equal(Written(json => JsonCell.Write(json, long.MinValue)), Encoding.UTF8.GetString(destination, 0, written));
        Assert.True(JsonCell.TryWriteRaw(destination, false, out written));
        Assert.Equal("false", Encoding.UTF8.GetString(destination, 0, written));

        var shortOne = new byte[5];
        Assert.False(JsonCell.TryWriteRaw(shortOne, utc, out _));
        Assert.False(JsonCell.TryWriteRawString(shortOne, "four"u8, out _));
        Assert.False(JsonCell.TryWriteRawNumberText(shortOne, "123456"u8, out _));
        Assert.False(JsonCell.TryWriteRaw(new byte[4], false, out _));
    }

    private static string Written(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonCell.PayloadEncoder }))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
