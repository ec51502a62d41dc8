using Exchange.Core.Diagnostics;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Exchange.WebService.Operator;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.WebService.Tests.Operator;

/// <summary>The /metrics exposition of the daemon's instruments (meter <c>Exchange</c>) through prometheus-net.</summary>
public sealed class PrometheusMetricsTests
{
    [Fact]
    public async Task Scrape_KeepsThePublishedMetricNames_LabelsAndBuckets()
    {
        // A dataset and insurer of this test only: other tests record on the same meter name in this process.
        var dataset = "D" + Guid.NewGuid().ToString("N")[..8];
        var source = "S" + dataset;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        using var instruments = new ExchangeMetrics { TimeProvider = time };
        var metrics = PrometheusMetrics.Instance;
        var snapshot = new OperatorSnapshot(
            time.GetUtcNow() - TimeSpan.FromSeconds(4),
            [new DatasetStatus(dataset, "w", 7, null, 7, 0, 0)],
            [new InsurerBacklog("ins-" + dataset, dataset, 5, 7, null)],
            new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 2 },
            [],
            [new NodeHeartbeat("fep01:8080", "http://10.0.0.1:8080", time.GetUtcNow() - TimeSpan.FromSeconds(10), null, [])],
            null);
        instruments.ObserveSnapshots(() => snapshot);

        instruments.BatchStored(dataset, 5, TimeSpan.FromMilliseconds(20));
        instruments.BatchStored(dataset, 3, TimeSpan.FromSeconds(3));
        instruments.GateObserved(source, "Idle");
        instruments.GateObserved(source, "Busy");
        instruments.Purged(new PurgeResult(new Dictionary<string, long> { [dataset] = 1 }, 0, 0, 0, 0));
        instruments.SoapCall("Poll", "ok", ExchangeMetrics.Start());
        var text = await metrics.ScrapeAsync();

        var lines = text.Split('\n');
        foreach (var (name, type) in (ValueTuple<string, string>[])[
            ("exchange_extraction_rows_total", "gauge"), ("exchange_extraction_batches_total", "gauge"),
            ("exchange_extraction_chunk_duration_seconds", "histogram"), ("exchange_gate_transitions_total", "gauge"),
            ("exchange_soap_calls_total", "gauge"), ("exchange_soap_duration_seconds", "histogram"),
            ("exchange_retention_removed_total", "gauge"), ("exchange_gate_state", "gauge"), ("exchange_insurer_backlog", "gauge"),
            ("exchange_requests", "gauge"), ("exchange_dataset_last_seq", "gauge"), ("exchange_snapshot_age_seconds", "gauge"),
            ("exchange_node_checkin_age_seconds", "gauge")])
        {
            Assert.Contains($"# TYPE {name} {type}", lines);
        }

        Assert.Contains($"exchange_extraction_rows_total{{dataset=\"{dataset}\"}} 8", lines);
        Assert.Contains($"exchange_extraction_chunk_duration_seconds_bucket{{dataset=\"{dataset}\",le=\"0.025\"}} 1", lines);
        Assert.Contains($"exchange_extraction_chunk_duration_seconds_bucket{{dataset=\"{dataset}\",le=\"5\"}} 2", lines);
        Assert.Contains($"exchange_extraction_chunk_duration_seconds_bucket{{dataset=\"{dataset}\",le=\"+Inf\"}} 2", lines);
        Assert.Contains($"exchange_gate_transitions_total{{from=\"Idle\",source=\"{source}\",to=\"Busy\"}} 1", lines);
        Assert.Contains($"exchange_gate_state{{source=\"{source}\",state=\"Busy\"}} 1", lines);
        Assert.Contains($"exchange_gate_state{{source=\"{source}\",state=\"Idle\"}} 0", lines);
        Assert.Contains($"exchange_insurer_backlog{{dataset=\"{dataset}\",insurer=\"ins-{dataset}\"}} 2", lines);
        Assert.Contains($"exchange_dataset_last_seq{{dataset=\"{dataset}\"}} 7", lines);
        Assert.Contains("exchange_node_checkin_age_seconds{node=\"fep01:8080\"} 6", lines); // heartbeat 10 s old, figures read 4 s ago
        Assert.Contains(lines, l => l.StartsWith("exchange_soap_calls_total{operation=\"Poll\",outcome=\"ok\"} ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("process_cpu_seconds_total ", StringComparison.Ordinal));

        // Observable gauges are read again at each scrape.
        snapshot = snapshot with { Datasets = [new DatasetStatus(dataset, "w", 9, null, 9, 0, 0)] };
        Assert.Contains($"exchange_dataset_last_seq{{dataset=\"{dataset}\"}} 9", (await metrics.ScrapeAsync()).Split('\n'));
    }
}
