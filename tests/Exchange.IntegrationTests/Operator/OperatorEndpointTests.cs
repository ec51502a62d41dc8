using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Operator;

/// <summary>The operator endpoint of a running demo daemon: health, readiness and Prometheus metrics.</summary>
[Collection(DemoDaemonCollection.Name)]
public sealed partial class OperatorEndpointTests(DemoDaemon daemon) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Healthz_AndReadyz_AnswerOk_NamingWhatWasChecked()
    {
        Assert.Equal("ok\n", await _http.GetStringAsync(daemon.OperatorUrl + "/healthz"));
        using var ready = await _http.GetAsync(daemon.OperatorUrl + "/readyz");
        var text = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("ok   staging: writable", text, StringComparison.Ordinal);
        Assert.Matches(@"ok   audit: \d+ of 8192 records waiting", text);
        Assert.Contains("ok   source demo: reachable (sqlite@demo-source.db)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperatorEndpoint_IsNotTheSoapEndpoint()
    {
        using var soapOnOperator = await _http.GetAsync(daemon.OperatorUrl + "/ExchangeService?wsdl");
        Assert.Equal(HttpStatusCode.NotFound, soapOnOperator.StatusCode);
        using var metricsOnSoap = await _http.GetAsync(daemon.Config.BaseUrl + "/metrics");
        Assert.Equal(HttpStatusCode.NotFound, metricsOnSoap.StatusCode);
    }

    [Fact]
    public async Task Metrics_EveryLineFollowsTheExpositionFormat_AndTheFiguresMoveWhileTheDemoRuns()
    {
        using var client = new SoapClient(daemon.Config.ServiceUrl, "demo-insurer", "demo-insurer-password");
        await client.CallAsync("Poll");
        var first = await ScrapeAsync();
        var rowsBefore = Sum(first, "exchange_extraction_rows_total");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        Dictionary<string, double> second;
        do
        {
            await Task.Delay(1000);
            second = await ScrapeAsync();
        }
        while (Sum(second, "exchange_extraction_rows_total") <= rowsBefore && DateTime.UtcNow < deadline);

        Assert.True(Sum(second, "exchange_extraction_rows_total") > rowsBefore, "rows extracted grow while the demo inserts");
        Assert.True(Sum(second, "exchange_extraction_batches_total") > 0);
        Assert.Contains(second.Keys, k => k.StartsWith("exchange_insurer_backlog{dataset=\"AC01\",insurer=\"demo-insurer\"}", StringComparison.Ordinal));
        Assert.Contains(second.Keys, k => k == "exchange_requests{status=\"Pending\"}");
        Assert.True(second["exchange_soap_calls_total{operation=\"Poll\",outcome=\"ok\"}"] >= 1);
        Assert.True(second["exchange_soap_duration_seconds_count{operation=\"Poll\"}"] >= 1);
        Assert.Contains(second.Keys, k => k.StartsWith("exchange_extraction_chunk_duration_seconds_bucket{dataset=\"AC01\",le=\"+Inf\"}", StringComparison.Ordinal));
    }

    /// <summary>Scrapes /metrics, checks every line against the text exposition grammar, and returns sample → value.</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var response = await _http.GetAsync(daemon.OperatorUrl + "/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                Assert.True(comment.Success, $"not a valid HELP/TYPE line: '{line}'");
                if (comment.Groups["kind"].Value == "TYPE")
                {
                    Assert.True(typed.TryAdd(comment.Groups["name"].Value, comment.Groups["rest"].Value), $"TYPE given twice for {comment.Groups["name"].Value}");
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a valid sample line: '{line}'");
            var name = sample.Groups["name"].Value;
            Assert.True(typed.Keys.Any(t => name == t || name == t + "_bucket" || name == t + "_sum" || name == t + "_count"), $"sample {name} comes before its TYPE line");
            var value = sample.Groups["value"].Value;
            samples[name + sample.Groups["labels"].Value] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }

        Assert.All(typed.Values, t => Assert.Contains(t, (string[])["counter", "gauge", "histogram", "summary", "untyped"]));
        return samples;
    }

    private static double Sum(Dictionary<string, double> samples, string name) =>
        samples.Where(s => s.Key.StartsWith(name + "{", StringComparison.Ordinal) || s.Key == name).Sum(s => s.Value);

    // The text format 0.0.4: metric_name [ "{" label_name "=" `"` label_value `"` { "," ... } [ "," ] "}" ] value [ timestamp ]
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*,?)?\})? (?<value>[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<rest>.*)$""")]
    private static partial Regex CommentLine();

    public void Dispose() => _http.Dispose();
}
