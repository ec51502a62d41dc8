using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>The real <c>exchange</c> executable started as a child process (as an operator would), with its output captured.</summary>
public sealed class ExchangeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ExchangeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The built host assembly (src/Exchange.Host/bin/&lt;configuration&gt;/net10.0/exchange.dll).</summary>
    public static string HostAssembly
    {
        get
        {
            var testBin = AppContext.BaseDirectory;
            var configuration = new DirectoryInfo(testBin).Parent?.Name ?? "Debug";
            var root = RepositoryRoot;
            var path = Path.Combine(root, "src", "Exchange.Host", "bin", configuration, "net10.0", "exchange.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
        }
    }

    /// <summary>The folder holding Exchange.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Exchange.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("Exchange.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', _lines);

    /// <summary>Starts <c>exchange</c> with the given arguments.</summary>
    public static ExchangeProcess Start(params string[] arguments) => StartWithInput(null, arguments);

    /// <summary>Starts <c>exchange</c> with the given arguments and text on standard input.</summary>
    public static ExchangeProcess StartWithInput(string? standardInput, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(HostAssembly);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var started = new ExchangeProcess(process);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        return started;
    }

    /// <summary>Starts a prepared process (another copy of the executable, extra environment) with its output captured.</summary>
    public static ExchangeProcess Start(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        var started = new ExchangeProcess(process);
        process.StandardInput.Close();
        return started;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> is printed; fails with the output so far when it is not.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var line = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                await Task.Delay(200);
                line = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                return line ?? throw new InvalidOperationException($"exchange exited with {_process.ExitCode} before printing '{text}'. Output:\n{Output}");
            }

            await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"exchange did not print '{text}' within {timeout}. Output:\n{Output}");
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // flushes the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>kill -9: no chance to clean up.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd stops a service.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        _lineArrived.Release();
    }
}
