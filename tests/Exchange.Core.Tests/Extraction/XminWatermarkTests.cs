using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class XminWatermarkTests
{
    [Fact]
    public void ToText_PassInProgress_RoundTripsWithTheKeyType()
    {
        var mark = new XminWatermark(4_294_967_000, 4_294_968_500, 42L, false);

        var text = mark.ToText();

        Assert.Equal("{\"mode\":\"xmin\",\"from\":\"4294967000\",\"to\":\"4294968500\",\"key\":\"42\",\"keyType\":\"int64\"}", text);
        Assert.Equal(mark, XminWatermark.Parse(text));
        Assert.True(XminWatermark.IsXminText(text));
    }

    [Fact]
    public void ToText_FirstPassWithTextKey_KeepsChineseReadable()
    {
        var mark = new XminWatermark(null, 812, "张三-07", false);

        var text = mark.ToText();

        Assert.Equal("{\"mode\":\"xmin\",\"to\":\"812\",\"key\":\"张三-07\",\"keyType\":\"string\"}", text);
        Assert.Equal(mark, XminWatermark.Parse(text));
    }

    [Fact]
    public void CompleteAt_HasNoKey_AndRoundTrips()
    {
        var text = XminWatermark.CompleteAt(900).ToText();

        Assert.Equal("{\"mode\":\"xmin\",\"from\":\"900\",\"to\":\"900\"}", text);
        Assert.Equal(new XminWatermark(900, 900, null, true), XminWatermark.Parse(text));
    }

    [Fact]
    public void Parse_TimestampWatermark_IsRefused()
    {
        var timestamp = Watermark.Create("2026-11-22T10:00:00.000000+08:00", 42L).ToText();

        Assert.False(XminWatermark.IsXminText(timestamp));
        Assert.Throws<FormatException>(() => XminWatermark.Parse(timestamp));
    }
}
