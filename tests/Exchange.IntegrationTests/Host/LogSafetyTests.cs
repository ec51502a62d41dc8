using Exchange.Host.Configuration;
using Exchange.IntegrationTests.Infrastructure;
using NLog;
using NLog.Targets;
using NLog.Targets.Wrappers;

namespace Exchange.IntegrationTests.Host;

/// <summary>
/// The shipped config/nlog.config: every target masks identity numbers in messages and exception texts, escapes line
/// breaks so a request cannot start a log line, and caps the text one line carries from a request.
/// </summary>
public sealed class LogSafetyTests : IDisposable
{
    private const string Number = "11010519491231002X";
    private const string FullWidthNumber = "１１０１０１１９９００３０７４５１４";

    private static readonly string HostileText =
        $"user {Number}\r\n2026-01-01 00:00:00.0000 INFO Exchange.Forged forged line\u2028second\u2029third\u0085fourth\u000bfifth{FullWidthNumber} abc110101199003074514def";

    private readonly TempDirectory _folder = new("exchange-logsafety");
    private readonly LogFactory _factory = new();

    public LogSafetyTests() =>
        NLogSetup.Configure(_factory, Path.Combine(ExchangeProcess.RepositoryRoot, "config", "nlog.config"), LogDirectory);

    private string LogDirectory => _folder.File("logs");

    public static TheoryData<string> Targets => ["console", "file", "audit"];

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryTarget_MasksAndEscapesTheMessageAndTheExceptionMessages(string name)
    {
        var layout = LayoutOf(name);

        var rendered = layout.Render(Hostile());

        Assert.Empty(IdentityNumberScan.ValidNumbersIn(rendered));
        var firstLine = rendered.Split(Environment.NewLine)[0];
        Assert.Contains("forged line", firstLine, StringComparison.Ordinal);
        Assert.Contains("\\r\\n2026-01-01", firstLine, StringComparison.Ordinal);
        Assert.Contains("\\u2028second\\u2029third\\u0085fourth\\u000bfifth", firstLine, StringComparison.Ordinal);
        foreach (var breaker in new[] { '\r', '\u2028', '\u2029', '\u0085', '\u000b' })
        {
            Assert.DoesNotContain(breaker, rendered);
        }

        if (name != "audit")
        {
            // The exception messages are on the logged line, escaped; nothing they hold starts a line of its own.
            Assert.Contains("InvalidOperationException query failed for 110105********002X\\nforged", firstLine, StringComparison.Ordinal);
            Assert.Contains("FormatException inner １１０１０１********４５１４\\nforged", firstLine, StringComparison.Ordinal);
            Assert.All(rendered.Split(Environment.NewLine).Skip(1), line => Assert.DoesNotContain("forged", line, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheConfigHasOnlyTheTargetsTestedHere()
    {
        var targets = _factory.Configuration!.AllTargets;
        var outermost = targets.Where(t => !targets.OfType<WrapperTargetBase>().Any(w => ReferenceEquals(w.WrappedTarget, t)));
        Assert.Equal(["audit", "console", "file"], outermost.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("audit")]
    public void LogFiles_RollBySizeAsWellAsByDay_AndKeepABoundedNumber(string name)
    {
        var target = _factory.Configuration!.FindTargetByName(name)!;
        var file = Assert.IsType<FileTarget>(target is WrapperTargetBase wrapper ? wrapper.WrappedTarget : target);

        Assert.InRange(file.ArchiveAboveSize, 1, 64L * 1024 * 1024);
        Assert.InRange(file.MaxArchiveFiles, 1, 400);
        Assert.Equal(FileArchivePeriod.Day, file.ArchiveEvery);
    }

    [Fact]
    public void FileTarget_KeepsStackTracesOnLinesOfTheirOwn()
    {
        var lines = LayoutOf("file").Render(Hostile()).Split(Environment.NewLine);

        Assert.True(lines.Length > 2, string.Join('\n', lines));
        Assert.Contains(lines, l => l.StartsWith("   at Exchange.IntegrationTests.Host.LogSafetyTests", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == " ---> System.FormatException");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryTarget_CapsTheTextOfALongRequest(string name)
    {
        var layout = LayoutOf(name);

        var rendered = layout.Render(new LogEventInfo(LogLevel.Warn, "Exchange.Soap", "refused: " + new string('a', 50_000)));

        Assert.True(rendered.Length < 1_200, $"{rendered.Length} characters");
        Assert.Contains($"… [{50_009 - LogText.MaxLength} more characters cut]", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FilesWritten_HoldNoIdentityNumber_AndEveryLineIsALogLine()
    {
        _factory.GetLogger("Exchange.Soap").Warn(Hostile().Exception, HostileText);
        _factory.GetLogger("Exchange.Audit").Info("operation=Poll principal=" + HostileText);
        await _factory.FlushAsync(CancellationToken.None);
        _factory.Shutdown();

        var exchangeLog = await File.ReadAllLinesAsync(Path.Combine(LogDirectory, "exchange.log"));
        var auditLog = await File.ReadAllLinesAsync(Path.Combine(LogDirectory, "audit.log"));

        Assert.Empty(IdentityNumberScan.ValidNumbersIn(string.Join('\n', exchangeLog.Concat(auditLog))));
        var audit = Assert.Single(auditLog);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4}Z operation=Poll", audit);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4} WARN  Exchange\.Soap user 110105", exchangeLog[0]);
        Assert.All(exchangeLog.Skip(1), l => Assert.Matches(@"^(   | ---> |System\.)", l));
    }

    public void Dispose()
    {
        _factory.Dispose();
        TestLogs.Keep(LogDirectory, Path.GetFileName(_folder.Path));
        _folder.Dispose();
    }

    /// <summary>The layout a target writes with, below its async wrapper.</summary>
    private NLog.Layouts.Layout LayoutOf(string name)
    {
        var target = _factory.Configuration!.FindTargetByName(name) ?? throw new InvalidOperationException($"nlog.config has no target {name}");
        return Assert.IsAssignableFrom<TargetWithLayout>(target is WrapperTargetBase wrapper ? wrapper.WrappedTarget : target).Layout;
    }

    private static LogEventInfo Hostile()
    {
        Exception exception;
        try
        {
            try
            {
                throw new FormatException($"inner {FullWidthNumber}\nforged inner line");
            }
            catch (FormatException inner)
            {
                throw new InvalidOperationException($"query failed for {Number}\nforged exception line", inner);
            }
        }
        catch (InvalidOperationException caught)
        {
            exception = caught;
        }

        return new LogEventInfo(LogLevel.Warn, "Exchange.Soap", HostileText) { Exception = exception };
    }
}
