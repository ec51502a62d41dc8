using System.Diagnostics;
using System.Text.Json.Nodes;
using Exchange.IntegrationTests.Infrastructure;
using Exchange.IntegrationTests.Requests;

namespace Exchange.IntegrationTests.Host;

/// <summary>
/// Identity numbers in every field an insurer controls, and in a source's error text, against the real daemon: its log
/// files (exchange.log, audit.log) and console hold none of them, and no request text starts a log line of its own.
/// </summary>
public sealed class IdentityNumberLeakTests : IAsyncLifetime
{
    /// <summary>A function code whose query fails with the bound identity number in the provider's error text.</summary>
    private const string FailingCode = "8801";

    private const string UnknownCode = "8899";
    private const string Valid = "11010519491231002X";
    private const string ValidNumeric = "440524188001010014";
    private const string Invalid = "110105194912310021"; // wrong check digit
    private const string Legacy = "110105491231002";
    private const string FullWidth = "１１０１０１１９９００３０７４５１４";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TestConfig _config = new();
    private ExchangeProcess _daemon = null!;

    public async Task InitializeAsync()
    {
        RequestTestSetup.Apply(_config);
        _config.Exchange["Principals"]![0]!["FunctionCodes"]!.AsArray().Add(FailingCode);
        _config.Exchange["Principals"]![0]!["FunctionCodes"]!.AsArray().Add(UnknownCode);
        _config.Schedule["RequestTypes"]!["MaxAttempts"] = 1;
        _config.Schedule["RequestTypes"]!["Types"]!.AsArray().Add(new JsonObject
        {
            ["InfNo"] = FailingCode,
            ["Mode"] = "Query",
            ["Source"] = "demo",
            // SQLite refuses the bound value as a JSON path and quotes it in its error text.
            ["Query"] = "SELECT json_extract('{}', @idNumber) AS X",
            ["Parameters"] = new JsonArray(new JsonObject { ["Name"] = "idNumber", ["Type"] = "IdentityNumber" }),
            ["Columns"] = new JsonArray("X"),
            ["MaxRows"] = 1,
            ["Timeout"] = "00:00:02",
            ["Expiry"] = "00:30:00",
        });
        _daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await _daemon.WaitForLineAsync("WSDL at", Timeout);
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _config.Dispose();
    }

    [Fact]
    public async Task IdentityNumbersInEveryInsurerField_AndInASourceError_NeverReachTheLogFiles()
    {
        using var insurer = new SoapClient(_config.ServiceUrl, RequestTestSetup.DemoInsurer, RequestTestSetup.DemoPassword);
        var numbers = new[] { Valid, ValidNumeric, Invalid, Legacy, FullWidth };
        var input = $$"""{"idNumber":"{{Valid}}","other":"{{FullWidth}} {{Legacy}}"}""";

        // A source error quoting the bound value: the worker logs the provider's text.
        await insurer.CallOkAsync("SubmitRequest", ("MsgId", "leak-source"), ("InfNo", FailingCode), ("Input", $$"""{"idNumber":"{{Valid}}"}"""));
        // Valid and invalid numbers as input; numbers in the MsgId; an unknown function code's input.
        await insurer.CallOkAsync("SubmitRequest", ("MsgId", "leak-valid"), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{ValidNumeric}}"}"""));
        await insurer.CallAsync("SubmitRequest", ("MsgId", "leak-invalid"), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{Invalid}}"}"""));
        await insurer.CallAsync("SubmitRequest", ("MsgId", "leak-fw"), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{FullWidth}}"}"""));
        await insurer.CallAsync("SubmitRequest", ("MsgId", $"m{Valid}x{ValidNumeric}"), ("InfNo", "1101"), ("Input", $$"""{"idNumber":"{{Valid}}"}"""));
        await insurer.CallAsync("SubmitRequest", ("MsgId", "leak-unknown"), ("InfNo", UnknownCode), ("Input", input));
        await insurer.CallAsync("SubmitRequest", ("MsgId", "leak-bad-json"), ("InfNo", "1101"), ("Input", $"not json {Valid}\r\n{Legacy}"));
        await insurer.CallAsync("GetResponse", ("MsgId", $"{Valid}"));
        // Dataset names, batch ids and sequence numbers the XSD refuses, with the value quoted in the validation error.
        await insurer.CallAsync("Poll", ("Dataset", Valid));
        await insurer.CallAsync("Ack", ("Dataset", $"AC01{Valid}"), ("Seq", Valid));
        await insurer.CallAsync("Ack", ("Dataset", "AC01"), ("Seq", ValidNumeric));
        await insurer.CallAsync("FetchBatch", ("BatchId", ValidNumeric));
        await insurer.CallAsync("FetchBatch", ("BatchId", Valid));
        await insurer.CallAsync("FetchBatch", ("BatchId", FullWidth));
        // User names: a number, a full-width number, and one that tries to start a forged log line.
        foreach (var user in new[] { Valid, FullWidth, $"{Legacy}\r\n2026-01-01 00:00:00.0000 INFO forged-line {Valid}", $"u\u2028forged-ls {ValidNumeric}\u0085forged-nel" })
        {
            using var stranger = new SoapClient(_config.ServiceUrl, user, "wrong-password");
            await stranger.CallAsync("Poll");
            stranger.UseUsernameToken = false;
            await stranger.CallAsync("Poll");
        }

        await _daemon.WaitForLineAsync($"({FailingCode}) attempt 1 failed", Timeout);
        // The console target writes before the file target flushes: wait for the files themselves.
        await WaitForAsync(() => ReadShared("exchange.log").Contains($"({FailingCode}) attempt 1 failed", StringComparison.Ordinal));
        await WaitForAsync(() => ReadShared("audit.log").Contains("operation=FetchBatch", StringComparison.Ordinal));

        var exchangeLog = ReadShared("exchange.log");
        var auditLog = ReadShared("audit.log");
        var failedLine = exchangeLog.Split('\n').Single(l => l.Contains($"({FailingCode}) attempt 1 failed", StringComparison.Ordinal));
        Assert.Contains("110105********002X", failedLine, StringComparison.Ordinal);
        Assert.Contains("AuthFailed", auditLog, StringComparison.Ordinal);
        Assert.Contains("Authentication failed for 'u\\u2028forged-ls 440524********0014\\u0085forged-nel'", exchangeLog, StringComparison.Ordinal);
        Assert.Contains("\\r\\n2026-01-01 00", exchangeLog, StringComparison.Ordinal);
        foreach (var (name, text) in new[] { ("exchange.log", exchangeLog), ("audit.log", auditLog), ("console", _daemon.Output) })
        {
            Assert.True(IdentityNumberScan.ValidNumbersIn(text).Count == 0, $"{name} holds {string.Join(", ", IdentityNumberScan.ValidNumbersIn(text))}");
            Assert.All(numbers, n => Assert.DoesNotContain(n, text, StringComparison.Ordinal));

            // Each line is a log line (date first) or a stack-trace line: nothing a caller sent started a line.
            Assert.All(
                text.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                line => Assert.Matches(@"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|   | ---> |\S+Exception)", line));
            Assert.DoesNotContain('\u2028', text);
            Assert.DoesNotContain('\u0085', text);
        }
    }

    private string ReadShared(string name)
    {
        var path = Path.Combine(_config.LogDirectory, name);
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, "the daemon did not write the expected log lines in time");
            await Task.Delay(100);
        }
    }
}
