using System.Diagnostics.Metrics;
using Exchange.Core.Diagnostics;

namespace Exchange.Core.Tests.Diagnostics;

public sealed class PrometheusExpositionTests
{
    [Fact]
    public void Scrape_WritesCountersHistogramsAndGauges_InTheTextFormat()
    {
        var meterName = "Test." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var exposition = new PrometheusExposition(meterName);
        var calls = meter.CreateCounter<long>("test.calls", "{call}", "Calls made");
        var latency = meter.CreateHistogram<double>("test.latency", "s", "Latency",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        var level = 3;
        meter.CreateObservableGauge("test.level", () => new Measurement<int>(level, new KeyValuePair<string, object?>("source", "prod")), null, "Level");

        calls.Add(2, new KeyValuePair<string, object?>("outcome", "ok"));
        calls.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        latency.Record(0.05);
        latency.Record(0.5);
        latency.Record(7);

        var text = exposition.Scrape();
        Assert.Contains("# HELP test_calls_total Calls made\n# TYPE test_calls_total counter\ntest_calls_total{outcome=\"ok\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains(
            "# TYPE test_latency_seconds histogram\n" +
            "test_latency_seconds_bucket{le=\"0.1\"} 1\ntest_latency_seconds_bucket{le=\"1\"} 2\ntest_latency_seconds_bucket{le=\"+Inf\"} 3\n" +
            "test_latency_seconds_sum 7.55\ntest_latency_seconds_count 3\n",
            text, StringComparison.Ordinal);
        Assert.Contains("# TYPE test_level gauge\ntest_level{source=\"prod\"} 3\n", text, StringComparison.Ordinal);

        level = 5;
        Assert.Contains("test_level{source=\"prod\"} 5\n", exposition.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_AddsMeasurementsWithTheSameTags_InAnyOrder_ToOneSeries()
    {
        var meterName = "Test." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var exposition = new PrometheusExposition(meterName);
        var calls = meter.CreateCounter<long>("test.calls");
        KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

        calls.Add(1, Tag("a", "x"), Tag("b", "y"));
        calls.Add(2, Tag("b", "y"), Tag("a", "x"));
        calls.Add(4, Tag("a", "x"), Tag("b", "z"));
        calls.Add(8, Tag("a", 1), Tag("b", 2), Tag("c", 3), Tag("d", 4));
        calls.Add(16, Tag("d", 4), Tag("c", 3), Tag("b", 2), Tag("a", 1));
        calls.Add(32);
        calls.Add(64, Tag("a", "x"), Tag("b", "y"));

        var text = exposition.Scrape();
        Assert.Contains("test_calls_total{a=\"x\",b=\"y\"} 67\n", text, StringComparison.Ordinal);
        Assert.Contains("test_calls_total{a=\"x\",b=\"z\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("test_calls_total{a=\"1\",b=\"2\",c=\"3\",d=\"4\"} 24\n", text, StringComparison.Ordinal);
        Assert.Contains("test_calls_total 32\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exchange.soap.calls", null, "exchange_soap_calls")]
    [InlineData("exchange.soap.duration", "s", "exchange_soap_duration_seconds")]
    [InlineData("9lives-x", null, "_9lives_x")]
    public void MetricName_MapsInstrumentNamesToTheGrammar(string instrument, string? unit, string expected) =>
        Assert.Equal(expected, PrometheusExposition.MetricName(instrument, unit));

    [Fact]
    public void EscapeLabel_EscapesBackslashQuoteAndNewline() =>
        Assert.Equal("a\\\\b\\\"c\\nd", PrometheusExposition.EscapeLabel("a\\b\"c\nd"));

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.25, "0.25")]
    [InlineData(1e21, "1E+21")]
    public void FormatValue_WritesWhatTheParserReads(double value, string expected) =>
        Assert.Equal(expected, PrometheusExposition.FormatValue(value));
}
