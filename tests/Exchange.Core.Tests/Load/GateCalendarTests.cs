using Exchange.Core.Load;

namespace Exchange.Core.Tests.Load;

public sealed class GateCalendarTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private static DateTimeOffset Local(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, Beijing);

    [Theory]
    [InlineData(23, 20, true)]   // Monday evening, inside
    [InlineData(24, 6, true)]    // Tuesday early morning, the Monday window past midnight
    [InlineData(24, 7, false)]   // the window ends at 07:00
    [InlineData(23, 12, false)]  // Monday noon
    [InlineData(22, 23, false)]  // Sunday evening: the window does not start on Sundays
    [InlineData(23, 3, false)]   // Monday 03:00 belongs to a Sunday window, which does not exist
    public void IsInside_HandlesWindowsPastMidnight_AndTheDaysTheyStartOn(int day, int hour, bool inside)
    {
        var window = new TimeWindowOptions { Days = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], From = TimeSpan.FromHours(19), To = TimeSpan.FromHours(7) };
        Assert.Equal(inside, GateCalendar.IsInside(window, Local(day, hour)));
    }

    [Theory]
    [InlineData("2026-11-30", 30, true)]
    [InlineData("2026-11-30", 29, false)]
    [InlineData("11-30", 30, true)]
    [InlineData("last", 30, true)]
    [InlineData("last", 29, false)]
    [InlineData("last-1", 29, true)]
    public void IsBlackout_MatchesDatesYearlyDatesAndMonthEnds(string rule, int day, bool matches)
    {
        Assert.Equal(matches, GateCalendar.IsBlackout(rule, new DateOnly(2026, 11, day)));
    }

    [Fact]
    public void IsBlackout_RefusesAnUnknownRule_NamingItAndTheAcceptedForms()
    {
        var error = Assert.Throws<FormatException>(() => GateCalendar.IsBlackout("month-end", new DateOnly(2026, 11, 1)));
        Assert.Contains("'month-end'", error.Message, StringComparison.Ordinal);
        Assert.Contains("last-N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClosedReason_NamesTheBlackout_OrTheWindows_OrIsNullWhenOpen()
    {
        var options = new SourceLoadOptions { Blackouts = ["last"], Windows = [new TimeWindowOptions { From = TimeSpan.FromHours(20), To = TimeSpan.FromHours(6) }] };
        Assert.Contains("blackout date 'last'", GateCalendar.ClosedReason(options, Local(30, 21)), StringComparison.Ordinal);
        Assert.Contains("outside the read windows (daily 20:00-06:00)", GateCalendar.ClosedReason(options, Local(23, 12)), StringComparison.Ordinal);
        Assert.Null(GateCalendar.ClosedReason(options, Local(23, 21)));
        Assert.Null(GateCalendar.ClosedReason(new SourceLoadOptions(), Local(23, 12)));
    }
}
