using System.Diagnostics;
using System.Text.RegularExpressions;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Operator;

/// <summary>
/// The status page of a running demo daemon in headless Chromium (Debian's <c>chromium</c> package): a screenshot to
/// <c>artifacts/status-page.png</c> for a person to look at, and the rendered DOM checked for the gate chart with its
/// thresholds and activity, the per-insurer backlog, datasets, requests and errors.
/// </summary>
[Collection(DemoDaemonCollection.Name)]
public sealed partial class StatusPageTests(DemoDaemon daemon)
{
    public static string ScreenshotPath => Path.Combine(ExchangeProcess.RepositoryRoot, "artifacts", "status-page.png");

    [Fact]
    public async Task StatusPage_InChromium_ShowsTheGateChartWithThresholdsAndActivity_AndTheInsurerBacklog()
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "chromium is missing: install Debian's 'chromium' package (.ci/run does: apt-get install chromium).");

        await daemon.RecordProbeReadingsAsync(minutes: 90);
        using (var client = new SoapClient(daemon.Config.ServiceUrl, "demo-insurer", "wrong-password-for-the-errors-table"))
        {
            await client.CallAsync("Poll");
        }

        await WaitForExtractedBatchesAsync();

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        File.Delete(ScreenshotPath);
        using var profile = new TempDirectory("exchange-chromium");
        var url = daemon.OperatorUrl + "/";
        var (shotCode, shotOutput) = await RunChromiumAsync(chromium!, profile.Path, ["--window-size=1100,1500", $"--screenshot={ScreenshotPath}", url]);
        Assert.True(shotCode == 0 && File.Exists(ScreenshotPath), $"chromium exited {shotCode} without a screenshot:\n{shotOutput}");
        Assert.True(new FileInfo(ScreenshotPath).Length > 20_000, "the screenshot has content");
        var png = await File.ReadAllBytesAsync(ScreenshotPath);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);

        var (domCode, dom) = await RunChromiumAsync(chromium!, profile.Path, ["--dump-dom", url]);
        Assert.True(domCode == 0, $"chromium --dump-dom exited {domCode}:\n{dom}");

        Assert.Contains("<title>Exchange status</title>", dom, StringComparison.Ordinal);
        Assert.Contains("<svg id=\"gate-chart\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"probe-series\" data-probe=\"demo/active_sessions\"", dom, StringComparison.Ordinal);
        foreach (var kind in (string[])["idle", "busy", "critical"])
        {
            Assert.Contains($"class=\"threshold threshold-{kind}\"", dom, StringComparison.Ordinal);
        }

        Assert.Matches("class=\"activity-bar\"", dom);
        Assert.Matches("<span class=\"state (Idle|Busy|Hibernating)\" data-state=", dom);
        var backlogRows = BacklogRow().Matches(dom);
        Assert.Equal(3, backlogRows.Count);
        Assert.All(backlogRows, row => Assert.Equal("demo-insurer", row.Groups["insurer"].Value));
        Assert.Contains("<table id=\"datasets\">", dom, StringComparison.Ordinal);
        Assert.Contains("<table id=\"requests\">", dom, StringComparison.Ordinal);
        Assert.Matches("<table id=\"errors\">.*AuthFailed", dom);
        Assert.Matches("<meta http-equiv=\"refresh\" content=\"\\d+\">", dom);
        Assert.DoesNotMatch("(src|href)=\"https?://", dom); // nothing from a CDN: works offline
    }

    private async Task WaitForExtractedBatchesAsync()
    {
        using var http = new HttpClient();
        for (var i = 0; i < 30; i++)
        {
            if ((await http.GetStringAsync(daemon.OperatorUrl + "/")).Contains("class=\"activity-bar\"", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(1000);
        }
    }

    private static async Task<(int Code, string Output)> RunChromiumAsync(string chromium, string profile, string[] arguments)
    {
        var info = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + (process.ExitCode == 0 ? "" : await stderr));
    }

    [GeneratedRegex("<tr class=\"backlog-row\"><td>(?<insurer>[^<]+)</td><td>(?<dataset>[^<]+)</td><td class=\"n\">(?<backlog>\\d+)</td>")]
    private static partial Regex BacklogRow();
}
