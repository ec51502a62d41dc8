using System.Text.RegularExpressions;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Service;

/// <summary>
/// install/install-windows.ps1 read as text: there is no Windows (nor PowerShell) here to run it, so the lines that set
/// folder permissions and write the installed configuration are checked for what they would do.
/// </summary>
public sealed partial class WindowsInstallScriptTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(ExchangeProcess.RepositoryRoot, "install", "install-windows.ps1"));

    [Theory]
    [InlineData("config", "RX")]
    [InlineData("data", "M")]
    [InlineData("logs", "M")]
    public void EachFolder_LosesItsInheritedPermissions_AndGrantsOnlySystemAdministratorsAndTheServiceAccount(string folder, string serviceRights)
    {
        var icacls = Lines.Where(l => l.TrimStart().StartsWith($"& icacls ${folder} ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(icacls);
        var arguments = ArgumentPattern().Matches(line[line.IndexOf(folder, StringComparison.Ordinal)..]).Select(m => m.Value.Trim('\'', '"')).ToList();

        // icacls <folder> /inheritance:r /grant:r SYSTEM Administrators service-account: nothing inherited, nothing else granted.
        Assert.Equal(
            ["/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", $"NT SERVICE\\${{ServiceName}}:(OI)(CI){serviceRights}"],
            arguments.Skip(1).TakeWhile(a => a != "|").ToList());

        // A failed icacls stops the install instead of leaving the folder open.
        var next = Lines[Array.IndexOf(Lines, line) + 1];
        Assert.Contains("$LASTEXITCODE -ne 0", next, StringComparison.Ordinal);
        Assert.Contains("throw", next, StringComparison.Ordinal);
    }

    [Fact]
    public void NoOtherLine_GrantsWithoutReplacing()
    {
        var icacls = Lines.Where(l => l.Contains("icacls", StringComparison.Ordinal) && !l.TrimStart().StartsWith('#') && !l.Contains("$LASTEXITCODE", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, icacls.Count);
        Assert.All(icacls, l => Assert.DoesNotContain("/grant ", l, StringComparison.Ordinal));
    }

    [Fact]
    public void TheInstalledAppSettings_HasItsPrincipalsEmptied_BeforeItIsWritten()
    {
        // appsettings.json is never copied as shipped: it is read, its principals emptied, and written to the target.
        var copies = Lines.Where(l => l.Contains("Copy-Item", StringComparison.Ordinal) && l.Contains("config\\", StringComparison.Ordinal)).ToList();
        Assert.All(copies, l => Assert.DoesNotContain("appsettings", l, StringComparison.Ordinal));
        var read = Array.FindIndex(Lines, l => l.Contains("ConvertFrom-Json", StringComparison.Ordinal));
        var emptied = Array.FindIndex(Lines, l => l.Trim() == "$settings.Exchange.Principals = @()");
        var written = Array.FindIndex(Lines, l => l.Contains("$settings | ConvertTo-Json", StringComparison.Ordinal) && l.Contains("$target", StringComparison.Ordinal));
        Assert.True(read >= 0 && read < emptied && emptied < written, $"read at line {read + 1}, emptied at {emptied + 1}, written at {written + 1}");
        Assert.Contains(Lines, l => l.Contains("hash-password", StringComparison.Ordinal) && l.Contains("Write-Host", StringComparison.Ordinal));
    }

    [GeneratedRegex("""'[^']*'|"[^"]*"|\S+""")]
    private static partial Regex ArgumentPattern();
}
