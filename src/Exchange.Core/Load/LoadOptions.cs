namespace Exchange.Core.Load;

/// <summary>The <c>Load</c> section of <c>schedule.json</c>: how each source's load is measured and when it may be read.</summary>
public sealed class LoadOptions
{
    /// <summary>While this file exists no source is read (relative paths are resolved against the data directory).</summary>
    public string PauseFile { get; set; } = "pause";

    /// <summary>Per source (a key of <c>Exchange:Sources</c>): probes, thresholds, windows. A source missing here is never read.</summary>
    public Dictionary<string, SourceLoadOptions> Sources { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>How one source's load is measured and when it may be read.</summary>
public sealed class SourceLoadOptions
{
    /// <summary>The probes; every one must be below its idle threshold for the gate to reopen.</summary>
    public List<ProbeOptions> Probes { get; set; } = [];

    /// <summary>Read the source although it has no probes. Only for sources that cannot be hurt (the demo SQLite file).</summary>
    public bool AllowUnmeasured { get; set; }

    /// <summary>Time between two samples of the probes.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive samples with every probe below its idle threshold needed to reopen a busy gate.</summary>
    public int IdleSamplesToReopen { get; set; } = 3;

    /// <summary>How long the gate stays shut, with no query at all to the source, after a probe crossed its critical threshold.</summary>
    public TimeSpan Hibernation { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Times of day the source may be read, in the source's local time; empty means at any time.</summary>
    public List<TimeWindowOptions> Windows { get; set; } = [];

    /// <summary>Days the source is never read: <c>2026-12-31</c>, <c>12-31</c> (every year), <c>last</c> (last day of every month), <c>last-2</c>.</summary>
    public List<string> Blackouts { get; set; } = [];

    /// <summary>A pause file for this source only, besides <see cref="LoadOptions.PauseFile"/>.</summary>
    public string? PauseFile { get; set; }
}

/// <summary>One probe and its thresholds. A probe that fails or times out counts as busy.</summary>
public sealed class ProbeOptions
{
    /// <summary>Name in logs and <c>load_samples</c>; defaults to <see cref="Kind"/>.</summary>
    public string? Name { get; set; }

    /// <summary><c>sql</c>, <c>canary</c>, <c>http</c>, or a preset (see <see cref="ProbePresets"/>).</summary>
    public string Kind { get; set; } = "";

    /// <summary>For <c>sql</c>: a query returning one number. For <c>canary</c>: the query timed (default <c>SELECT 1</c>).</summary>
    public string? Sql { get; set; }

    /// <summary>For <c>http</c>: the URL whose body is a number (or a JSON object holding <see cref="JsonProperty"/>).</summary>
    public string? Url { get; set; }

    /// <summary>For <c>http</c>: the property of a JSON body that holds the number.</summary>
    public string? JsonProperty { get; set; }

    /// <summary>At or above this value the source is busy.</summary>
    public double Busy { get; set; }

    /// <summary>Below this value the sample counts as idle; must be below <see cref="Busy"/>.</summary>
    public double Idle { get; set; }

    /// <summary>At or above this value the gate hibernates; null for never.</summary>
    public double? Critical { get; set; }

    /// <summary>A probe not answering within this time has failed (and counts as busy).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The name used in logs.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Kind : Name;
}

/// <summary>A time of day the source may be read, optionally on some days of the week only.</summary>
public sealed class TimeWindowOptions
{
    /// <summary>Days of the week (<c>Monday</c> … <c>Sunday</c>) the window starts on; empty means every day.</summary>
    public List<DayOfWeek> Days { get; set; } = [];

    /// <summary>Start, local time of day.</summary>
    public TimeSpan From { get; set; }

    /// <summary>End, local time of day; before <see cref="From"/> means the window runs past midnight.</summary>
    public TimeSpan To { get; set; }
}
