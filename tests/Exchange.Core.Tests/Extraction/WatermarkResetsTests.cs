using Exchange.Core.Configuration;
using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class WatermarkResetsTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private static DatasetOptions Dataset(string watermark = WatermarkModes.Timestamp) =>
        new() { Name = "AC43", Source = "prod", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223", Watermark = watermark };

    [Theory]
    [InlineData("2026-12-01T00:00:00+08:00", "2026-12-01T00:00:00.0000000+08:00")]
    [InlineData("2026-11-30T16:00:00Z", "2026-11-30T16:00:00.0000000+00:00")]
    [InlineData("2026-12-01 08:30", "2026-12-01T08:30:00.0000000+08:00")]
    public void ParseInstant_TakesAnOffset_OrTheSourcesOne(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), WatermarkResets.ParseInstant("--to", text, Beijing));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-12-01")]
    [InlineData("2026-13-01T00:00:00")]
    public void ParseInstant_RefusesOtherText_NamingTheOptionTheValueAndTheFormat(string text)
    {
        var refused = Assert.Throws<WatermarkResetRefusedException>(() => WatermarkResets.ParseInstant("--from", text, Beijing));
        Assert.StartsWith("--from must be a date and time such as 2026-12-01T00:00:00+08:00", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith($"the source's TimeZoneOffset +08:00 is used), was '{text}'.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveBack_TypesTheTimeLikeTheStoredWatermark_AndDropsItsKey()
    {
        var stored = Watermark.Create(new DateTime(2026, 12, 5, 10, 0, 0, DateTimeKind.Unspecified), 42L).ToText();

        var moved = Watermark.Parse(WatermarkResets.MoveBack(Dataset(), stored, "2026-12-01T00:00:00Z", Beijing));

        Assert.Equal(new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Unspecified), moved.Timestamp);
        Assert.Null(moved.Key);
    }

    [Fact]
    public void MoveBack_RefusesAMoveForward_NothingStored_AndATimeForAnXminDataset()
    {
        var stored = Watermark.Create("2026-12-05T10:00:00.000000+08:00", 42L).ToText();
        Assert.Contains("reset only moves a watermark back, was '2026-12-06T00:00:00+08:00'",
            Assert.Throws<WatermarkResetRefusedException>(() => WatermarkResets.MoveBack(Dataset(), stored, "2026-12-06T00:00:00+08:00", Beijing)).Message, StringComparison.Ordinal);
        Assert.Contains("has no watermark yet",
            Assert.Throws<WatermarkResetRefusedException>(() => WatermarkResets.MoveBack(Dataset(), null, "2026-12-01T00:00:00+08:00", Beijing)).Message, StringComparison.Ordinal);

        var xmin = XminWatermark.CompleteAt(9000).ToText();
        Assert.Contains("--to takes a transaction id",
            Assert.Throws<WatermarkResetRefusedException>(() => WatermarkResets.MoveBack(Dataset(WatermarkModes.Xmin), xmin, "2026-12-01T00:00:00+08:00", Beijing)).Message, StringComparison.Ordinal);
        Assert.Equal(XminWatermark.CompleteAt(7400).ToText(), WatermarkResets.MoveBack(Dataset(WatermarkModes.Xmin), xmin, "7400", Beijing));
    }
}
