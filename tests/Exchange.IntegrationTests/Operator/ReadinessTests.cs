using System.Diagnostics;
using System.Net;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Operator;

/// <summary>
/// <c>/readyz</c> tells the truth about the staging disk: a real daemon whose data folder is a small tmpfs is not ready
/// while the file system is full (every Poll would fail its audit write), and ready again by itself once there is room.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private string _mount = "";

    public async Task InitializeAsync()
    {
        Assert.True(OperatingSystem.IsLinux() && Environment.UserName == "root", "this test mounts a size-limited tmpfs, which needs root on Linux (CI runs as root)");
        _mount = Path.Combine(_config.Root, "small-disk");
        Directory.CreateDirectory(_mount);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", _mount);
        _config.Exchange["DataDirectory"] = _mount;
        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00";
    }

    [Fact]
    public async Task ADiskFull_MakesTheNodeNotReady_NamingTheStore_AndFreeingSpace_MakesItReadyAgain()
    {
        await using var daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await daemon.WaitForLineAsync("WSDL at", Wait);
        var readyz = _config.Exchange["Operator"]!["Urls"]!.GetValue<string>() + "/readyz";
        var (status, _) = await GetAsync(readyz);
        Assert.Equal(HttpStatusCode.OK, status);

        // Fill the file system to the last byte.
        var filler = Path.Combine(_mount, "filler");
        await RunAsync("sh", "-c", $"dd if=/dev/zero of='{filler}' bs=64k 2>/dev/null; true");

        var (full, text) = await GetAsync(readyz);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full);
        Assert.Contains("FAIL staging: not writable: SqliteException", text, StringComparison.Ordinal);
        Assert.Contains("full", text, StringComparison.OrdinalIgnoreCase);

        File.Delete(filler);
        var (again, after) = await GetAsync(readyz);
        Assert.True(again == HttpStatusCode.OK, after);
        Assert.Contains("ok   staging: writable", after, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Text)> GetAsync(string url)
    {
        using var response = await _http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} failed: {error}");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_mount.Length > 0)
        {
            await RunAsync("umount", "-l", _mount);
        }

        _config.Dispose();
    }
}
