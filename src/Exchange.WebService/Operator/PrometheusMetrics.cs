using System.Diagnostics.Metrics;
using System.Text;
using Exchange.Core.Diagnostics;
using Prometheus;

namespace Exchange.WebService.Operator;

/// <summary>
/// What <c>/metrics</c> serves: the instruments of the <c>Exchange</c> meter through prometheus-net's meter adapter, and
/// the process's own figures (<c>process_*</c>: CPU, memory, threads, open handles; <c>dotnet_*</c>: collections).
/// </summary>
/// <remarks>
/// prometheus-net configures its default registry once per process, so there is one instance. Other meters (ASP.NET
/// Core's, whose labels include client-chosen values) and the .NET event counters are left out. Counters and histograms
/// keep a series for a day (the longest prometheus-net allows) after its last measurement, as their label sets are closed
/// (the contract's operations plus <c>other</c>, fault codes, datasets): only a series quiet for a whole day drops out,
/// and starts again from zero at its next measurement. Observable gauges are read at each scrape; a series no longer
/// observed (a dataset removed from the schedule) drops out after <see cref="ObservedLifetime"/>. The adapter writes meter
/// counters with <c># TYPE … gauge</c>, as a meter can be re-created and start again from zero.
/// </remarks>
public sealed class PrometheusMetrics
{
    /// <summary>The content type of the text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly TimeSpan ObservedLifetime = TimeSpan.FromSeconds(10);
    private static readonly Lazy<PrometheusMetrics> Shared = new(() => new PrometheusMetrics(ExchangeMetrics.MeterName));

    private PrometheusMetrics(string meterName)
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true });
        Metrics.ConfigureMeterAdapter(options =>
        {
            options.InstrumentFilterPredicate = instrument => instrument.Meter.Name == meterName && !instrument.IsObservable;
            options.MetricsExpireAfter = TimeSpan.FromDays(1);
            options.ResolveHistogramBuckets = Buckets;
        });
        Registry = Metrics.DefaultRegistry;
        // Never disposed: it lives as long as the process, like the default registry it writes to (a started
        // MeterListener is held by the runtime's list of listeners).
        _ = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == meterName && instrument.IsObservable,
            MetricsExpireAfter = ObservedLifetime,
        });

        // The default registry starts its meter adapter at its first collection; measurements before it would be lost.
        Registry.CollectAndExportAsTextAsync(Stream.Null).GetAwaiter().GetResult();
    }

    /// <summary>The process's exposition.</summary>
    public static PrometheusMetrics Instance => Shared.Value;

    /// <summary>The registry the exposition is written from.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Writes every series in the text exposition format.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(output, cancellationToken);

    /// <summary>Every series in the text exposition format, as a string.</summary>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static double[] Buckets(Instrument instrument) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } ? [.. bounds] : [.. ExchangeMetrics.LatencyBuckets];
}
