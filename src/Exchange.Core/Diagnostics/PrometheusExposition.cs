using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Exchange.Core.Diagnostics;

/// <summary>
/// A <see cref="MeterListener"/> that aggregates the <c>Exchange</c> meter's instruments and writes them in the Prometheus
/// text exposition format 0.0.4: counters as <c>_total</c>, histograms as cumulative <c>_bucket</c>/<c>_sum</c>/<c>_count</c>,
/// observable gauges read at each scrape.
/// </summary>
public sealed class PrometheusExposition : IDisposable
{
    /// <summary>The content type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly Dictionary<Instrument, Series> _series = [];
    private readonly Lock _scrape = new();

    /// <summary>Starts listening to the meters named <paramref name="meterName"/>.</summary>
    public PrometheusExposition(string meterName = ExchangeMetrics.MeterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                lock (_series)
                {
                    _series[instrument] = new Series(instrument);
                }

                listener.EnableMeasurementEvents(instrument, _series[instrument]);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_series)
            {
                _series.Remove(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every series.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            Series[] all;
            lock (_series)
            {
                all = [.. _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
            }

            foreach (var series in all.Where(s => s.IsObservable))
            {
                series.Reset();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var series in all)
            {
                series.WriteTo(text);
            }

            return text.ToString();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    /// <summary>The Prometheus metric name of an instrument: dots to underscores, the unit as a suffix for seconds.</summary>
    public static string MetricName(string instrumentName, string? unit)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = new StringBuilder(instrumentName.Length + 8);
        foreach (var c in instrumentName)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name.Insert(0, '_');
        }

        if (unit == "s" && !instrumentName.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name.Append("_seconds");
        }

        return name.ToString();
    }

    /// <summary>A label value escaped for the exposition format (backslash, double quote, line feed).</summary>
    public static string EscapeLabel(string value) =>
        (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value as the exposition format writes it (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>).</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series
    {
        private readonly Dictionary<string, Point> _points = new(StringComparer.Ordinal);

        // The point of each tag set already seen, so that a measurement does not build its label string again: that took
        // about as long as the rest of a SOAP call's metrics. Tag sets of more than three tags take the long way.
        private readonly Dictionary<TagSet, Point> _byTags = [];
        private readonly double[] _bounds;
        private readonly string _kind;

        public Series(Instrument instrument)
        {
            Name = MetricName(instrument.Name, instrument.Unit);
            Help = instrument.Description ?? instrument.Name;
            IsObservable = instrument.IsObservable;
            (_kind, _bounds) = instrument switch
            {
                Histogram<double> h => ("histogram", h.Advice?.HistogramBucketBoundaries?.ToArray() ?? [.. ExchangeMetrics.LatencyBuckets]),
                Histogram<long> h => ("histogram", h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? [.. ExchangeMetrics.LatencyBuckets]),
                Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => ("counter", []),
                _ => ("gauge", []),
            };
            if (_kind == "counter" && Name.EndsWith("_total", StringComparison.Ordinal))
            {
                Name = Name[..^"_total".Length];
            }
        }

        public string Name { get; }

        public string Help { get; }

        public bool IsObservable { get; }

        public void Reset()
        {
            lock (_points)
            {
                _points.Clear();
                _byTags.Clear();
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var known = TagSet.TryFrom(tags, out var tagSet);
            lock (_points)
            {
                if (!known || !_byTags.TryGetValue(tagSet, out var point))
                {
                    var labels = Labels(tags);
                    if (!_points.TryGetValue(labels, out point))
                    {
                        point = new Point(_bounds.Length);
                        _points[labels] = point;
                    }

                    if (known)
                    {
                        _byTags[tagSet] = point;
                    }
                }

                switch (_kind)
                {
                    case "histogram":
                        point.Count++;
                        point.Sum += value;
                        for (var i = 0; i < _bounds.Length; i++)
                        {
                            if (value <= _bounds[i])
                            {
                                point.Buckets[i]++;
                                break;
                            }
                        }

                        break;
                    case "counter" when !IsObservable:
                        point.Sum += value;
                        break;
                    default:
                        point.Sum = value;
                        break;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            lock (_points)
            {
                var sample = _kind == "counter" ? Name + "_total" : Name;
                text.Append("# HELP ").Append(sample).Append(' ').Append(Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
                text.Append("# TYPE ").Append(sample).Append(' ').Append(_kind == "counter" ? "counter" : _kind).Append('\n');
                foreach (var (labels, point) in _points.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (_kind != "histogram")
                    {
                        text.Append(sample).Append(Braced(labels)).Append(' ').Append(FormatValue(point.Sum)).Append('\n');
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < _bounds.Length; i++)
                    {
                        cumulative += point.Buckets[i];
                        text.Append(Name).Append("_bucket").Append(Braced(Join(labels, $"le=\"{FormatValue(_bounds[i])}\""))).Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }

                    text.Append(Name).Append("_bucket").Append(Braced(Join(labels, "le=\"+Inf\""))).Append(' ').Append(point.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    text.Append(Name).Append("_sum").Append(Braced(labels)).Append(' ').Append(FormatValue(point.Sum)).Append('\n');
                    text.Append(Name).Append("_count").Append(Braced(labels)).Append(' ').Append(point.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<string>(tags.Length);
            foreach (var (key, value) in tags)
            {
                pairs.Add($"{MetricName(key, null)}=\"{EscapeLabel(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")}\"");
            }

            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static string Braced(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
    }

    /// <summary>Up to three tags, in the order they were given, compared by name and value.</summary>
    private readonly record struct TagSet(int Count, KeyValuePair<string, object?> First, KeyValuePair<string, object?> Second, KeyValuePair<string, object?> Third)
    {
        public static bool TryFrom(ReadOnlySpan<KeyValuePair<string, object?>> tags, out TagSet tagSet)
        {
            tagSet = default;
            if (tags.Length > 3)
            {
                return false;
            }

            tagSet = new TagSet(tags.Length, tags.Length > 0 ? tags[0] : default, tags.Length > 1 ? tags[1] : default, tags.Length > 2 ? tags[2] : default);
            return true;
        }

        public bool Equals(TagSet other) =>
            Count == other.Count && Same(First, other.First) && Same(Second, other.Second) && Same(Third, other.Third);

        public override int GetHashCode() => HashCode.Combine(Count, Hash(First), Hash(Second), Hash(Third));

        private static bool Same(KeyValuePair<string, object?> a, KeyValuePair<string, object?> b) =>
            string.Equals(a.Key, b.Key, StringComparison.Ordinal) && Equals(a.Value, b.Value);

        private static int Hash(KeyValuePair<string, object?> tag) => HashCode.Combine(tag.Key is null ? 0 : StringComparer.Ordinal.GetHashCode(tag.Key), tag.Value);
    }

    private sealed class Point(int buckets)
    {
        public double Sum { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }
}
