using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Service;

/// <summary>
/// install/install-linux.sh and install/exchange.service, checked on this machine: the installed daemon talks sd_notify to a
/// datagram socket the test owns (systemd is not PID 1 in this container), and systemd-analyze verifies the installed unit.
/// </summary>
public sealed class SystemdServiceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _root = new("exchange-install");

    [Fact]
    public async Task InstalledDaemon_SendsReadyStatusWatchdogAndStopping_AndExitsCleanlyWithinTheBound()
    {
        Install();
        var etc = Path.Combine(_root.Path, "etc", "exchange");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(etc, "appsettings.json")))!.AsObject();
        var (soapPort, operatorPort) = (FreePorts.Next(), FreePorts.Next());
        settings["Exchange"]!["Web"]!["Urls"] = $"http://127.0.0.1:{soapPort}";
        settings["Exchange"]!["Operator"] = new JsonObject { ["Urls"] = $"http://127.0.0.1:{operatorPort}", ["ShutdownTimeout"] = "00:00:10" };

        // The install has no principal; the operator adds one with a hash from 'exchange hash-password'.
        settings["Exchange"]!["Principals"]!.AsArray().Add(new JsonObject
        {
            ["Name"] = "demo-insurer", ["Role"] = "insurer", ["PasswordHash"] = new Pbkdf2PasswordHasher().Hash("an operator's own password"),
            ["Datasets"] = new JsonArray("AC01"), ["MinPollInterval"] = "00:00:01",
        });
        await File.WriteAllTextAsync(Path.Combine(etc, "appsettings.json"), settings.ToJsonString());

        var socketPath = _root.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        // As the unit starts it: the installed program, the unit's Environment= lines, NOTIFY_SOCKET and WATCHDOG_USEC from the manager.
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(_root.Path, "var", "lib", "exchange") };
        info.ArgumentList.Add(Path.Combine(_root.Path, "opt", "exchange", "exchange.dll"));
        foreach (var argument in (string[])["run", "--config", etc])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in UnitEnvironment())
        {
            info.Environment[key] = value.Replace("/var/", _root.Path + "/var/", StringComparison.Ordinal).Replace("/opt/", _root.Path + "/opt/", StringComparison.Ordinal);
        }

        info.Environment["NOTIFY_SOCKET"] = socketPath;
        info.Environment["WATCHDOG_USEC"] = "1000000";
        await using var daemon = ExchangeProcess.Start(info);

        var messages = new List<string>();
        // READY=1 (Microsoft.Extensions.Hosting.Systemd) once started, then the gate and backlog as STATUS=.
        await ReceiveUntilAsync(socket, messages, m => m.Contains("READY=1", StringComparison.Ordinal), Timeout, daemon);
        Assert.True(File.Exists(Path.Combine(_root.Path, "var", "lib", "exchange", "staging.db")), "READY=1 comes after the staging store was opened in the data folder");
        foreach (var port in (int[])[soapPort, operatorPort])
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
        }

        await ReceiveUntilAsync(socket, messages, m => m.StartsWith("STATUS=gate:", StringComparison.Ordinal), Timeout, daemon);

        // Half of WATCHDOG_USEC: several pings within a few seconds, and a status line with the backlog.
        await ReceiveUntilAsync(socket, messages, _ => messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) >= 4, Timeout, daemon);
        await ReceiveUntilAsync(socket, messages, m => m.Contains("STATUS=", StringComparison.Ordinal) && m.Contains("backlog: demo-insurer", StringComparison.Ordinal) && !m.Contains("READY", StringComparison.Ordinal), Timeout, daemon);

        var stopwatch = Stopwatch.StartNew();
        var exit = await daemon.TerminateAsync(Timeout);
        stopwatch.Stop();
        await ReceiveUntilAsync(socket, messages, m => m.Contains("STOPPING=1", StringComparison.Ordinal), TimeSpan.FromSeconds(5), null);
        Assert.Equal(0, exit);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"a stop is bounded by ShutdownTimeout (10 s here); it took {stopwatch.Elapsed}");
        Assert.Contains("Exchange stopped.", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemdAnalyzeVerify_AcceptsTheInstalledUnit_WithoutAWarning()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        Assert.True(analyze is not null,
            "systemd-analyze is missing: install Debian's 'systemd' package (.ci/run does: apt-get install systemd). This test verifies install/exchange.service with it and must not pass without it.");

        // The unit names /opt/exchange/exchange, which exists only once installed, and verify checks that ExecStart is executable.
        // So it is verified where install-linux.sh put it: a scratch root holding the installed tree and this machine's own
        // system units (sysinit.target, network-online.target, ...), which verify resolves the dependencies against.
        Install();
        var units = new[] { "/usr/lib/systemd/system", "/lib/systemd/system" }.First(Directory.Exists);
        var copied = Path.Combine(_root.Path, "usr", "lib", "systemd", "system");
        Directory.CreateDirectory(copied);
        foreach (var file in Directory.EnumerateFiles(units))
        {
            File.Copy(file, Path.Combine(copied, Path.GetFileName(file)), overwrite: true);
        }

        var (code, output) = await RunAsync(analyze!, ["verify", $"--root={_root.Path}", "exchange.service"]);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify exited {code} with:\n{output}");
        var installed = await File.ReadAllLinesAsync(Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service"));
        foreach (var directive in (string[])["SystemCallFilter=@system-service", "ProtectProc=invisible", "LimitCORE=0", "MemoryMax=2G", "TasksMax=512"])
        {
            Assert.Contains(directive, installed);
        }

        // The installer's bounds: options, or the environment, written into the unit, which still verifies.
        Install("--memory-max", "1536M", "--tasks-max", "256");
        installed = await File.ReadAllLinesAsync(Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service"));
        Assert.Equal((1, 1), (installed.Count(l => l.StartsWith("MemoryMax=", StringComparison.Ordinal)), installed.Count(l => l.StartsWith("TasksMax=", StringComparison.Ordinal))));
        Assert.Contains("MemoryMax=1536M", installed);
        Assert.Contains("TasksMax=256", installed);
        (code, output) = await RunAsync(analyze!, ["verify", $"--root={_root.Path}", "exchange.service"]);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify exited {code} with:\n{output}");

        var (fromEnvironment, _) = await RunAsync("bash", [Script, "--root", _root.Path, "--publish-dir", Path.GetDirectoryName(ExchangeProcess.HostAssembly)!],
            new() { ["EXCHANGE_MEMORY_MAX"] = "50%", ["EXCHANGE_TASKS_MAX"] = "infinity" });
        Assert.Equal(0, fromEnvironment);
        installed = await File.ReadAllLinesAsync(Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service"));
        Assert.Contains("MemoryMax=50%", installed);
        Assert.Contains("TasksMax=infinity", installed);

        // And it really checks: an unknown key in the same unit is reported.
        var unit = Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service");
        await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(unit)).Replace("NoNewPrivileges=yes", "NoNewPrivileges=yes\nNoSuchSetting=1", StringComparison.Ordinal));
        var (_, complaint) = await RunAsync(analyze!, ["verify", $"--root={_root.Path}", "exchange.service"]);
        Assert.Contains("Unknown key 'NoSuchSetting'", complaint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstallScript_RefusesAMalformedBound_NamingTheOptionTheValueAndWhatIsAccepted()
    {
        var built = Path.GetDirectoryName(ExchangeProcess.HostAssembly)!;
        var (code, output) = await RunAsync("bash", [Script, "--root", _root.Path, "--publish-dir", built, "--memory-max", "2 GB"]);
        Assert.Equal(2, code);
        Assert.Contains("--memory-max (or EXCHANGE_MEMORY_MAX) must be a size such as 2G", output, StringComparison.Ordinal);
        Assert.Contains("was '2 GB'", output, StringComparison.Ordinal);

        (code, output) = await RunAsync("bash", [Script, "--root", _root.Path, "--publish-dir", built], new() { ["EXCHANGE_TASKS_MAX"] = "-1" });
        Assert.Equal(2, code);
        Assert.Contains("--tasks-max (or EXCHANGE_TASKS_MAX) must be a count such as 512", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service")), "nothing is installed with a bad bound");
    }

    [Fact]
    public async Task InstallScript_InstallsNoPrincipal_ButOtherwiseTheShippedConfiguration_AndSaysHowToAddOne()
    {
        var output = Install();
        var etc = Path.Combine(_root.Path, "etc", "exchange");
        var installed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(etc, "appsettings.json")))!;
        Assert.Empty(installed["Exchange"]!["Principals"]!.AsArray());
        Assert.DoesNotContain("pbkdf2-sha256$", await File.ReadAllTextAsync(Path.Combine(etc, "appsettings.json")), StringComparison.Ordinal);

        // Everything else is the shipped file.
        var shipped = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ExchangeProcess.RepositoryRoot, "config", "appsettings.json")))!;
        Assert.NotEmpty(shipped["Exchange"]!["Principals"]!.AsArray());
        shipped["Exchange"]!["Principals"] = new JsonArray();
        Assert.True(JsonNode.DeepEquals(shipped, installed), installed.ToJsonString());
        Assert.Contains("No principal is installed.", output, StringComparison.Ordinal);
        Assert.Contains("exchange hash-password", output, StringComparison.Ordinal);

        // An earlier install's file with the demo hash is kept (an operator's file is never overwritten), with a warning;
        // the reference copy beside it has no principal either.
        File.Copy(Path.Combine(ExchangeProcess.RepositoryRoot, "config", "appsettings.json"), Path.Combine(etc, "appsettings.json"), overwrite: true);
        output = Install();
        Assert.Contains("still has a principal with the shipped demo PasswordHash", output, StringComparison.Ordinal);
        Assert.Empty(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(etc, "appsettings.json.dist")))!["Exchange"]!["Principals"]!.AsArray());
    }

    [Fact]
    public async Task InstallScript_Uninstall_KeepsConfigurationDataAndLogs_UnlessPurged()
    {
        Install();
        var (code, output) = await RunAsync("bash", [Script, "--root", _root.Path, "--uninstall"]);
        Assert.True(code == 0, output);
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "opt", "exchange")));
        Assert.False(File.Exists(Path.Combine(_root.Path, "etc", "systemd", "system", "exchange.service")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "etc", "exchange", "appsettings.json")));
        Assert.True(Directory.Exists(Path.Combine(_root.Path, "var", "lib", "exchange")));

        (code, output) = await RunAsync("bash", [Script, "--root", _root.Path, "--uninstall", "--purge"]);
        Assert.True(code == 0, output);
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "etc", "exchange")));
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "var", "lib", "exchange")));
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "var", "log", "exchange")));
    }

    public void Dispose() => _root.Dispose();

    private static string Script => Path.Combine(ExchangeProcess.RepositoryRoot, "install", "install-linux.sh");

    private string Install(params string[] options)
    {
        var built = Path.GetDirectoryName(ExchangeProcess.HostAssembly)!;
        var (code, output) = RunAsync("bash", [Script, "--root", _root.Path, "--publish-dir", built, .. options]).GetAwaiter().GetResult();
        Assert.True(code == 0, $"install-linux.sh exited {code}:\n{output}");
        Assert.True(File.Exists(Path.Combine(_root.Path, "opt", "exchange", "exchange.dll")), output);
        return output;
    }

    /// <summary>The Environment= lines of install/exchange.service.</summary>
    private static IEnumerable<(string Key, string Value)> UnitEnvironment()
    {
        foreach (var line in File.ReadLines(Path.Combine(ExchangeProcess.RepositoryRoot, "install", "exchange.service")))
        {
            if (!line.StartsWith("Environment=", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var pair in line["Environment=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                yield return (pair[..equals], pair[(equals + 1)..]);
            }
        }
    }

    private static async Task<string> ReceiveUntilAsync(Socket socket, List<string> messages, Func<string, bool> done, TimeSpan timeout, ExchangeProcess? daemon)
    {
        var existing = messages.FirstOrDefault(done);
        if (existing is not null)
        {
            return existing;
        }

        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
                var message = Encoding.UTF8.GetString(buffer, 0, read);
                messages.Add(message);
                if (done(message))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No expected sd_notify message within {timeout}. Received:\n{string.Join("\n---\n", messages)}\nDaemon output:\n{daemon?.Output}");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] arguments, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

}
