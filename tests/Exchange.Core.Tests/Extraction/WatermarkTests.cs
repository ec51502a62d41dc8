using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class WatermarkTests
{
    public static TheoryData<object, object> Values => new()
    {
        { "2026-11-22T10:00:00.000000+08:00", 42L },
        { new DateTime(2026, 11, 22, 10, 0, 0, 123, DateTimeKind.Unspecified).AddTicks(4567), 7 },
        { new DateTime(2026, 11, 22, 2, 0, 0, DateTimeKind.Utc), (short)3 },
        { new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.FromHours(8)), "000000000012" },
        { new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Unspecified), 1234567890123456789.5m },
        { "x", Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff") },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Parse_OfToText_GivesTheSameValuesAndTypes(object timestamp, object key)
    {
        var watermark = Watermark.Create(timestamp, key);
        var back = Watermark.Parse(watermark.ToText());
        Assert.Equal(watermark, back);
        Assert.IsType(timestamp.GetType(), back.Timestamp);
        Assert.IsType(key.GetType(), back.Key);
    }

    [Fact]
    public void Parse_KeepsTheKindOfADateTime()
    {
        var utc = Watermark.Parse(Watermark.Create(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), 1L).ToText());
        var local = Watermark.Parse(Watermark.Create(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), 1L).ToText());
        Assert.Equal(DateTimeKind.Utc, ((DateTime)utc.Timestamp).Kind);
        Assert.Equal(DateTimeKind.Unspecified, ((DateTime)local.Timestamp).Kind);
    }

    [Fact]
    public void Create_RefusesAnUnsupportedType_NamingIt()
    {
        var error = Assert.Throws<NotSupportedException>(() => Watermark.Create(new byte[] { 1 }, 1L));
        Assert.Contains("System.Byte[]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToText_IsReadable() =>
        Assert.Equal(
            "{\"ts\":\"2026-11-22T10:00:00.000000+08:00\",\"tsType\":\"string\",\"key\":\"42\",\"keyType\":\"int64\"}",
            Watermark.Create("2026-11-22T10:00:00.000000+08:00", 42L).ToText());

    [Fact]
    public void Parse_RefusesTextThatIsNotAWatermark() =>
        Assert.Throws<FormatException>(() => Watermark.Parse("42"));
}
