using System.Text;
using System.Text.Encodings.Web;
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

    private static string Written(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
