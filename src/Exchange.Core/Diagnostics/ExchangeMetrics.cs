using System.Diagnostics;
using System.Diagnostics.Metrics;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;

namespace Exchange.Core.Diagnostics;

/// <summary>
/// The daemon's <see cref="System.Diagnostics.Metrics"/> instruments (meter <c>Exchange</c>). Engines record events with one
/// call each; figures the staging store holds (backlog, requests, gate readings) are observed from the latest
/// <see cref="OperatorSnapshot"/> instead of being counted twice.
/// </summary>
/// <remarks>
/// The Prometheus exporter names a series after the meter and the instrument (<c>Exchange</c> + <c>soap.calls.total</c> is
/// <c>exchange_soap_calls_total</c>) and adds no suffix, so the instrument names carry the <c>_total</c> and <c>_seconds</c>
/// that the published metric names have.
/// </remarks>
public sealed class ExchangeMetrics : IDisposable
{
    /// <summary>The meter name, for listeners and exporters.</summary>
    public const string MeterName = "Exchange";

    /// <summary>Latency buckets in seconds, shared by the histograms.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly GateState[] GateStates = Enum.GetValues<GateState>();
    private readonly Meter _meter;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _chunkSeconds;
    private readonly Counter<long> _gateTransitions;
    private readonly Counter<long> _soapCalls;
    private readonly Histogram<double> _soapSeconds;
    private readonly Counter<long> _purged;
    private readonly Counter<long> _schemaDrift;
    private readonly Dictionary<string, string> _gateBySource = new(StringComparer.Ordinal);
    private Func<OperatorSnapshot> _snapshot = () => OperatorSnapshot.Empty;

    /// <summary>The process-wide instruments: engines record with one line, without a constructor parameter.</summary>
    public static ExchangeMetrics Instance { get; } = new();

    /// <summary>Creates the instruments on a new meter (tests, under a name of their own; the daemon uses <see cref="Instance"/>).</summary>
    public ExchangeMetrics(string meterName = MeterName)
    {
        _meter = new Meter(meterName, "1.0");
        _rows = _meter.CreateCounter<long>("extraction.rows.total", "{row}", "Rows extracted and stored as batches");
        _batches = _meter.CreateCounter<long>("extraction.batches.total", "{batch}", "Batches extracted and stored");
        _chunkSeconds = _meter.CreateHistogram<double>("extraction.chunk.duration.seconds", "s", "Time to read and store one chunk",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _gateTransitions = _meter.CreateCounter<long>("gate.transitions.total", "{transition}", "Load gate state changes seen");
        _soapCalls = _meter.CreateCounter<long>("soap.calls.total", "{call}", "SOAP calls by operation and outcome (ok or the fault code)");
        _soapSeconds = _meter.CreateHistogram<double>("soap.duration.seconds", "s", "SOAP call latency",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _purged = _meter.CreateCounter<long>("retention.removed.total", "{row}", "Rows removed by retention, by kind");
        _schemaDrift = _meter.CreateCounter<long>("extraction.schema_drift.total", "{change}",
            "Changes seen in a dataset's source columns: column_added, column_removed, type_changed, or watermark_column (a missing or retyped watermark or key column, which stops the dataset)");
        _meter.CreateObservableGauge("gate.state", ObserveGate, "{state}", "1 for the load gate's current state per source, 0 for the others");
        _meter.CreateObservableGauge("probe.value", ObserveProbes, null, "The latest load probe reading per source and probe");
        _meter.CreateObservableGauge("insurer.backlog", ObserveBacklog, "{batch}", "Batches stored but not acknowledged, per insurer and dataset");
        _meter.CreateObservableGauge("requests", ObserveRequests, "{request}", "Requests by status");
        _meter.CreateObservableGauge("dataset.last_seq", ObserveLastSeq, "{batch}", "Sequence number of the dataset's last batch");
        _meter.CreateObservableGauge("snapshot.age.seconds", ObserveSnapshotAge, "s", "Seconds since the status figures were last read from the staging store");
        _meter.CreateObservableGauge("node.checkin.age.seconds", ObserveNodes, "s", "Seconds since each node sharing the staging store last wrote its heartbeat");
        _meter.CreateObservableGauge("extraction.horizon.age.seconds", ObserveHorizonAge, "s", "Age of the oldest transaction open at the source when the dataset's last run started");
        _meter.CreateObservableGauge("extraction.horizon.blocking", ObserveHorizonBlocking, "{session}",
            "1 while a transaction older than the dataset's MaxHorizonAge holds it back, labelled with the session, user, application and start");
        _meter.CreateObservableGauge("extraction.horizon.risk", ObserveHorizonRisk, "{dataset}",
            "1 for a dataset relying on the safety lag alone (reason safety_lag_only) or refused because the horizon cannot be read (reason refused)");
    }

    /// <summary>The time source for <c>snapshot.age.seconds</c>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the observed figures come from (the host connects the snapshot source).</summary>
    public void ObserveSnapshots(Func<OperatorSnapshot> snapshot) => _snapshot = snapshot ?? throw new ArgumentNullException(nameof(snapshot));

    /// <summary>One chunk was stored as a batch.</summary>
    public void BatchStored(string dataset, int rows, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("dataset", dataset);
        _batches.Add(1, tag);
        _rows.Add(rows, tag);
        _chunkSeconds.Record(elapsed.TotalSeconds, tag);
    }

    /// <summary><paramref name="count"/> changes of one <paramref name="kind"/> (a <see cref="Extraction.SchemaDrift"/> label) in a dataset's source columns.</summary>
    public void SchemaDrift(string dataset, string kind, int count)
    {
        if (count > 0)
        {
            _schemaDrift.Add(count, new("dataset", dataset), new("kind", kind));
        }
    }

    /// <summary>One SOAP call that began at <paramref name="startTimestamp"/> (<see cref="Start"/>) ended with <paramref name="outcome"/> (<c>ok</c> or a fault code).</summary>
    public void SoapCall(string operation, string outcome, long startTimestamp)
    {
        _soapCalls.Add(1, new("operation", operation), new("outcome", outcome));
        _soapSeconds.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
    }

    /// <summary>Retention removed rows.</summary>
    public void Purged(PurgeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _purged.Add(result.Batches, new KeyValuePair<string, object?>("kind", "batches"));
        _purged.Add(result.Requests, new KeyValuePair<string, object?>("kind", "requests"));
        _purged.Add(result.AuditRows, new KeyValuePair<string, object?>("kind", "audit"));
        _purged.Add(result.LoadSamples, new KeyValuePair<string, object?>("kind", "load_samples"));
    }

    /// <summary>The gate of <paramref name="source"/> is in <paramref name="state"/>; counts a transition when it changed.</summary>
    public void GateObserved(string source, string state)
    {
        string? previous;
        lock (_gateBySource)
        {
            _gateBySource.TryGetValue(source, out previous);
            _gateBySource[source] = state;
        }

        if (previous is not null && !string.Equals(previous, state, StringComparison.Ordinal))
        {
            _gateTransitions.Add(1, new("source", source), new("from", previous), new("to", state));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveGate()
    {
        foreach (var sample in _snapshot().GateBySource)
        {
            GateObserved(sample.Source, sample.State.ToString());
        }

        KeyValuePair<string, string>[] current;
        lock (_gateBySource)
        {
            current = [.. _gateBySource];
        }

        foreach (var (source, state) in current)
        {
            foreach (var candidate in GateStates)
            {
                var name = candidate.ToString();
                yield return new Measurement<int>(string.Equals(name, state, StringComparison.Ordinal) ? 1 : 0, new("source", source), new("state", name));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveProbes() =>
        _snapshot().Gate.Where(s => s.Value is not null)
            .Select(s => new Measurement<double>(s.Value!.Value, new("source", s.Source), new("probe", s.Probe)));

    private IEnumerable<Measurement<long>> ObserveBacklog() =>
        _snapshot().Backlog.Select(b => new Measurement<long>(b.Backlog, new("insurer", b.Insurer), new("dataset", b.Dataset)));

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        var requests = _snapshot().Requests;
        foreach (var status in Enum.GetValues<RequestStatus>())
        {
            yield return new Measurement<long>(requests.GetValueOrDefault(status), new KeyValuePair<string, object?>("status", status.ToString()));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLastSeq() =>
        _snapshot().Datasets.Select(d => new Measurement<long>(d.LastSeq, new KeyValuePair<string, object?>("dataset", d.Dataset)));

    private IEnumerable<Measurement<double>> ObserveNodes()
    {
        var snapshot = _snapshot();
        return snapshot.Nodes.Select(n => new Measurement<double>(
            (snapshot.TakenAt - n.CheckedAt).TotalSeconds, new KeyValuePair<string, object?>("node", n.Node)));
    }

    private IEnumerable<Measurement<double>> ObserveSnapshotAge()
    {
        var snapshot = _snapshot();
        if (snapshot.TakenAt != DateTimeOffset.MinValue)
        {
            yield return new Measurement<double>((TimeProvider.GetUtcNow() - snapshot.TakenAt).TotalSeconds);
        }
    }

    private static IEnumerable<Measurement<double>> ObserveHorizonAge() =>
        CommitHorizonBoard.Instance.Current.Where(h => h.Refused is null)
            .Select(h => new Measurement<double>(h.Age.TotalSeconds, new KeyValuePair<string, object?>("dataset", h.Dataset)));

    private static IEnumerable<Measurement<int>> ObserveHorizonBlocking() =>
        CommitHorizonBoard.Instance.Current.Where(h => h is { Blocking: true, Oldest: not null }).Select(h => new Measurement<int>(
            1, new("dataset", h.Dataset), new("session", h.Oldest!.Session), new("user", h.Oldest.User), new("application", h.Oldest.Application),
            new("started", h.Oldest.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))));

    private static IEnumerable<Measurement<int>> ObserveHorizonRisk() =>
        CommitHorizonBoard.Instance.Current.Where(h => h.Risk is not null || h.Refused is not null)
            .Select(h => new Measurement<int>(1, new("dataset", h.Dataset), new("reason", h.Refused is not null ? "refused" : "safety_lag_only")));

    /// <summary>Starts a latency measurement (<see cref="Stopwatch"/> timestamps, no allocation).</summary>
    public static long Start() => Stopwatch.GetTimestamp();
}
