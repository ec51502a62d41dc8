using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Checks the <c>Load</c> section of <c>schedule.json</c>; every problem names the field, the value, and what is accepted.</summary>
public static class LoadOptionsValidator
{
    private const string File = "schedule.json";

    /// <summary>All problems found (empty when usable).</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ScheduleOptions schedule, ExchangeOptions exchange)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(exchange);
        var problems = new List<ConfigurationProblem>();
        var load = schedule.Load ?? new LoadOptions();
        foreach (var (source, options) in load.Sources)
        {
            var at = $"Load:Sources:{source}";
            void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, $"{at}{field}", message));
            if (!exchange.Sources.TryGetValue(source, out var sourceOptions))
            {
                Add("", $"names source '{source}', which is not in appsettings.json (configured: {(exchange.Sources.Count == 0 ? "none" : string.Join(", ", exchange.Sources.Keys))})");
                continue;
            }

            SqlDialect? dialect = null;
            try
            {
                dialect = SourceProviders.GetDialect(sourceOptions.Provider);
            }
            catch (SourceProviderException)
            {
                // appsettings.json validation reports the provider.
            }

            ValidateSource(options, dialect, Add);
        }

        for (var i = 0; i < schedule.Datasets.Count; i++)
        {
            var d = schedule.Datasets[i];
            if (exchange.Sources.ContainsKey(d.Source) && !load.Sources.ContainsKey(d.Source))
            {
                problems.Add(new ConfigurationProblem(File, $"Datasets:{i}:Source",
                    $"source '{d.Source}' has no Load:Sources:{d.Source} entry: its load cannot be measured, so it would never be read; give it Probes (or \"AllowUnmeasured\": true for a source that cannot be hurt)"));
            }

            if (!string.IsNullOrWhiteSpace(d.Query) && CountPlaceholders(d.Query) != 1)
            {
                problems.Add(new ConfigurationProblem(File, $"Datasets:{i}:Query", $"must contain the placeholder {Extraction.KeysetQuery.KeysetPlaceholder} exactly once (where the watermark condition goes), found it {CountPlaceholders(d.Query)} times"));
            }

            if (d.MaxChunkRows < 1 || d.MaxChunkRows > 1_000_000)
            {
                problems.Add(new ConfigurationProblem(File, $"Datasets:{i}:MaxChunkRows", $"must be between 1 and 1000000, was {d.MaxChunkRows}"));
            }

            if (d.TargetChunkTime < TimeSpan.Zero)
            {
                problems.Add(new ConfigurationProblem(File, $"Datasets:{i}:TargetChunkTime", $"must not be negative (zero keeps ChunkRows fixed), was {d.TargetChunkTime}"));
            }
        }

        return problems;
    }

    private static int CountPlaceholders(string query)
    {
        var count = 0;
        for (var at = query.IndexOf(Extraction.KeysetQuery.KeysetPlaceholder, StringComparison.Ordinal); at >= 0; at = query.IndexOf(Extraction.KeysetQuery.KeysetPlaceholder, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static void ValidateSource(SourceLoadOptions options, SqlDialect? dialect, Action<string, string> add)
    {
        if (options.SampleInterval <= TimeSpan.Zero)
        {
            add(":SampleInterval", $"must be positive, was {options.SampleInterval}");
        }

        if (options.IdleSamplesToReopen < 1 || options.IdleSamplesToReopen > 1000)
        {
            add(":IdleSamplesToReopen", $"must be between 1 and 1000, was {options.IdleSamplesToReopen}");
        }

        if (options.Hibernation <= TimeSpan.Zero)
        {
            add(":Hibernation", $"must be positive, was {options.Hibernation}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < options.Probes.Count; p++)
        {
            var probe = options.Probes[p];
            var at = $":Probes:{p}";
            if (!names.Add(probe.DisplayName))
            {
                add($"{at}:Name", $"'{probe.DisplayName}' is used twice; probe names must be unique per source");
            }

            if (ProbePresets.All.TryGetValue(probe.Kind, out var preset))
            {
                if (dialect is { } d && d != preset.Dialect)
                {
                    add($"{at}:Kind", $"preset '{probe.Kind}' is for {preset.Dialect} sources, but this source is {d}");
                }
            }
            else if (!ProbePresets.Kinds.Contains(probe.Kind, StringComparer.Ordinal))
            {
                add($"{at}:Kind", $"unknown probe '{probe.Kind}'; accepted: {ProbePresets.Accepted}");
            }
            else if (probe.Kind == "sql" && string.IsNullOrWhiteSpace(probe.Sql))
            {
                add($"{at}:Sql", "a probe of kind 'sql' needs a query returning one number, was empty");
            }
            else if (probe.Kind == "http" && !(Uri.TryCreate(probe.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                add($"{at}:Url", $"a probe of kind 'http' needs an absolute http(s) URL, was '{probe.Url}'");
            }

            if (!double.IsFinite(probe.Busy) || !double.IsFinite(probe.Idle) || probe.Idle >= probe.Busy)
            {
                add($"{at}:Idle", string.Create(CultureInfo.InvariantCulture, $"the idle threshold must be below the busy threshold ({probe.Busy}), was {probe.Idle}"));
            }

            if (probe.Critical is { } critical && !(critical > probe.Busy))
            {
                add($"{at}:Critical", string.Create(CultureInfo.InvariantCulture, $"the critical threshold must be above the busy threshold ({probe.Busy}), was {critical}"));
            }

            if (probe.Timeout <= TimeSpan.Zero)
            {
                add($"{at}:Timeout", $"must be positive, was {probe.Timeout}");
            }
        }

        for (var w = 0; w < options.Windows.Count; w++)
        {
            var window = options.Windows[w];
            foreach (var (field, value) in new[] { ("From", window.From), ("To", window.To) })
            {
                if (value < TimeSpan.Zero || value >= TimeSpan.FromDays(1))
                {
                    add($":Windows:{w}:{field}", $"must be a time of day from 00:00 to 23:59, was {value}");
                }
            }

            if (window.From == window.To)
            {
                add($":Windows:{w}:To", $"must differ from From ({window.From}); leave Windows empty to read at any time");
            }
        }

        for (var b = 0; b < options.Blackouts.Count; b++)
        {
            try
            {
                _ = GateCalendar.IsBlackout(options.Blackouts[b], new DateOnly(2000, 1, 1));
            }
            catch (FormatException error)
            {
                add($":Blackouts:{b}", error.Message);
            }
        }
    }
}
