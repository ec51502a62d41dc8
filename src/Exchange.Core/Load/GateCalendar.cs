using System.Globalization;

namespace Exchange.Core.Load;

/// <summary>Windows and blackout dates as pure functions of the source's local time.</summary>
public static class GateCalendar
{
    /// <summary>Why the source may not be read at this local time, or null when the calendar allows it.</summary>
    public static string? ClosedReason(SourceLoadOptions options, DateTimeOffset localNow)
    {
        ArgumentNullException.ThrowIfNull(options);
        var date = DateOnly.FromDateTime(localNow.DateTime);
        foreach (var blackout in options.Blackouts)
        {
            if (IsBlackout(blackout, date))
            {
                return $"blackout date '{blackout}' ({date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})";
            }
        }

        if (options.Windows.Count == 0 || options.Windows.Any(w => IsInside(w, localNow)))
        {
            return null;
        }

        return $"outside the read windows ({string.Join(", ", options.Windows.Select(Describe))}) at {localNow.ToString("ddd HH:mm", CultureInfo.InvariantCulture)}";
    }

    /// <summary>True when <paramref name="localNow"/> is inside the window (a window past midnight belongs to the day it starts).</summary>
    public static bool IsInside(TimeWindowOptions window, DateTimeOffset localNow)
    {
        ArgumentNullException.ThrowIfNull(window);
        var time = localNow.TimeOfDay;
        var day = localNow.DayOfWeek;
        bool StartsOn(DayOfWeek d) => window.Days.Count == 0 || window.Days.Contains(d);
        if (window.From <= window.To)
        {
            return StartsOn(day) && time >= window.From && time < window.To;
        }

        // Past midnight: the evening part today, or the morning part of a window that started yesterday.
        return (StartsOn(day) && time >= window.From) || (StartsOn(day == DayOfWeek.Sunday ? DayOfWeek.Saturday : day - 1) && time < window.To);
    }

    /// <summary>True when the blackout rule matches the date. Rules: <c>yyyy-MM-dd</c>, <c>MM-dd</c>, <c>last</c>, <c>last-N</c>.</summary>
    /// <exception cref="FormatException">The rule is none of these.</exception>
    public static bool IsBlackout(string rule, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var text = rule.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact))
        {
            return exact == date;
        }

        if (text.Length == 5 && DateOnly.TryParseExact("2000-" + text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var yearly))
        {
            return yearly.Month == date.Month && yearly.Day == date.Day;
        }

        var lastDay = DateTime.DaysInMonth(date.Year, date.Month);
        if (text == "last")
        {
            return date.Day == lastDay;
        }

        if (text.StartsWith("last-", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var before) && before < 28)
        {
            return date.Day == lastDay - before;
        }

        throw new FormatException($"'{rule}' is not a blackout rule (accepted: yyyy-MM-dd, MM-dd, last, last-N with N below 28)");
    }

    private static string Describe(TimeWindowOptions w) =>
        string.Create(CultureInfo.InvariantCulture, $"{(w.Days.Count == 0 ? "daily" : string.Join('/', w.Days.Select(d => d.ToString()[..3])))} {w.From:hh\\:mm}-{w.To:hh\\:mm}");
}
