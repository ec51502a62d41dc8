using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class SourceTimestampsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    [Fact]
    public void UpperBound_Text_IsFixedWidthInTheSourceOffset() =>
        Assert.Equal("2026-11-22T09:59:55.000000+08:00", SourceTimestamps.UpperBound(TimestampKind.Text, Now, TimeSpan.FromSeconds(5), Beijing));

    [Fact]
    public void UpperBound_Local_IsAnUnspecifiedDateTimeInTheSourceOffset()
    {
        var upper = Assert.IsType<DateTime>(SourceTimestamps.UpperBound(TimestampKind.Local, Now, TimeSpan.FromSeconds(5), Beijing));
        Assert.Equal(new DateTime(2026, 11, 22, 9, 59, 55, DateTimeKind.Unspecified), upper);
        Assert.Equal(DateTimeKind.Unspecified, upper.Kind);
    }

    [Fact]
    public void UpperBound_Utc_IsAUtcDateTime()
    {
        var upper = Assert.IsType<DateTime>(SourceTimestamps.UpperBound(TimestampKind.Utc, Now, TimeSpan.FromSeconds(5), Beijing));
        Assert.Equal(new DateTime(2026, 11, 22, 1, 59, 55, DateTimeKind.Utc), upper);
        Assert.Equal(DateTimeKind.Utc, upper.Kind);
    }

    [Theory]
    [InlineData(typeof(string), "TEXT", TimestampKind.Text)]
    [InlineData(typeof(DateTime), "timestamp without time zone", TimestampKind.Local)]
    [InlineData(typeof(DateTime), "timestamp with time zone", TimestampKind.Utc)]
    [InlineData(typeof(DateTimeOffset), "datetimeoffset", TimestampKind.Offset)]
    [InlineData(typeof(DateTime), "Date", TimestampKind.Local)]
    [InlineData(typeof(DateTime), "TimeStamp", TimestampKind.Local)]
    [InlineData(typeof(DateTime), "TimeStampTZ", TimestampKind.Offset)]
    [InlineData(typeof(DateTime), "TimeStampLTZ", TimestampKind.Offset)]
    public void KindOf_FollowsTheReportedType(Type type, string name, TimestampKind expected) =>
        Assert.Equal(expected, SourceTimestamps.KindOf(type, name, "AAE036"));

    [Fact]
    public void KindOf_RefusesANumber_NamingTheColumn()
    {
        var error = Assert.Throws<NotSupportedException>(() => SourceTimestamps.KindOf(typeof(long), "INTEGER", "AAE036"));
        Assert.Contains("'AAE036'", error.Message, StringComparison.Ordinal);
    }
}
