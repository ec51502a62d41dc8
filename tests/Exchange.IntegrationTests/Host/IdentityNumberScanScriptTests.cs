using System.Diagnostics;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>tests/security/scan-identity-numbers.sh, the CI step after the tests: it must find a planted number, pass clean logs, and refuse to pass on no logs.</summary>
public sealed class IdentityNumberScanScriptTests : IDisposable
{
    private readonly TempDirectory _folder = new("exchange-scan");

    [Theory]
    [InlineData("audit.log", "2026-01-01 00:00:00.0000Z operation=Poll principal=11010519491231002X outcome=AuthFailed", "110105********002X")]
    [InlineData("exchange.1.log", "2026-01-01 00:00:00.0000 WARN x user abc１１０１０５１９４９１２３１００２ｘdef", "110105********002x")]
    [InlineData("exchange.log", "2026-01-01 00:00:00.0000 WARN x legacy 110105491231002 seen", "110105*****1002")]
    [InlineData("exchange.log", "2026-01-01 00:00:00.0000 WARN x inside a run 99440524188001010014123", "440524********0014")]
    public async Task PlantedNumber_FailsTheScan_NamingFileAndLine_WithTheNumberMasked(string file, string line, string shown)
    {
        await File.WriteAllTextAsync(_folder.File("clean.log"), "2026-01-01 00:00:00.0000 INFO x 110105********002X seq 12345678901234\n");
        Directory.CreateDirectory(_folder.File("logs"));
        await File.WriteAllTextAsync(Path.Combine(_folder.File("logs"), file), "first line\n" + line + "\n");

        var (exitCode, output) = await ScanAsync(_folder.Path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{Path.Combine(_folder.File("logs"), file)}:2: identity number {shown}", output, StringComparison.Ordinal);
        Assert.Empty(IdentityNumberScan.ValidNumbersIn(output));
    }

    [Fact]
    public async Task CleanLogs_PassTheScan()
    {
        await File.WriteAllTextAsync(_folder.File("exchange.log"), "2026-01-01 00:00:00.0000 INFO x 110105********002X 110105194912310021 seq 12345678901234\n");

        var (exitCode, output) = await ScanAsync(_folder.Path);

        Assert.True(exitCode == 0, output);
        Assert.Contains("1 log files, 1 lines, 0 identity numbers", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoLogFiles_FailTheScan()
    {
        var (exitCode, output) = await ScanAsync(_folder.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("no *.log file", output, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private static async Task<(int ExitCode, string Output)> ScanAsync(string folder)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(ExchangeProcess.RepositoryRoot, "tests", "security", "scan-identity-numbers.sh"));
        info.ArgumentList.Add(folder);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
