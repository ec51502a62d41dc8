using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temporary folder, started on a free loopback port, removed at the end.
/// Runs the server as the <c>postgres</c> user when the tests run as root (the server refuses root).
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private static readonly Lazy<string?> Bin = new(FindBinDirectory);
    private string _dataDirectory = "";
    private int _databaseCounter;

    /// <summary>Why PostgreSQL cannot run here, or null when it can.</summary>
    public static string? UnavailableReason => Bin.Value is null
        ? "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install Debian's 'postgresql' package: apt-get install -y postgresql)"
        : null;

    public int Port { get; private set; }

    /// <summary>
    /// When set, the cluster starts with this next transaction id (pg_resetwal -x), for tests that cross the 32-bit xid
    /// wraparound; the catalogs are frozen first so that their rows stay visible.
    /// </summary>
    public long? NextTransactionId { get; init; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        if (UnavailableReason is { } reason)
        {
            if (IsCi)
            {
                throw new InvalidOperationException($"CI requires PostgreSQL for the staging contract and source tests: {reason}.");
            }

            return;
        }

        var bin = Bin.Value!;
        _dataDirectory = Path.Combine(Path.GetTempPath(), "exchange-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dataDirectory);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _dataDirectory]);
        }

        await RunAsServerUserAsync(Path.Combine(bin, "initdb"), ["-D", Path.Combine(_dataDirectory, "db"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        Port = FreePorts.Next();
        var options = $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -k {_dataDirectory} -c fsync=off -c full_page_writes=off -c max_connections=200";
        await RunAsServerUserAsync(Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(_dataDirectory, "db"), "-o", options, "-l", Path.Combine(_dataDirectory, "server.log"), "-w", "-t", "60", "start"]);
        if (NextTransactionId is { } next)
        {
            await MoveTransactionIdAsync(bin, next);
            await StartAsync();
        }
    }

    // Freezes every database, stops, sets the next (and oldest) xid, and gives the commit log the segment that xid lies in.
    private async Task MoveTransactionIdAsync(string bin, long next)
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        await RunAsServerUserAsync(Path.Combine(bin, "vacuumdb"), ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "--all", "--freeze", "--quiet"]);
        await StopAsync();
        var xid = (next & 0xFFFF_FFFFL).ToString(CultureInfo.InvariantCulture);
        var epoch = (next >> 32).ToString(CultureInfo.InvariantCulture);
        var db = Path.Combine(_dataDirectory, "db");
        await RunAsServerUserAsync(Path.Combine(bin, "pg_resetwal"), ["-x", xid, "-u", xid, "-e", epoch, "-D", db]);
        var segment = ((next & 0xFFFF_FFFFL) / 1_048_576).ToString("X4", CultureInfo.InvariantCulture);
        await RunAsServerUserAsync("dd", ["if=/dev/zero", $"of={Path.Combine(db, "pg_xact", segment)}", "bs=262144", "count=1", "status=none"]);
    }

    /// <summary>Stops the server (fast shutdown: sessions are disconnected), as when a production database goes down.</summary>
    public async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsServerUserAsync(Path.Combine(Bin.Value!, "pg_ctl"), ["-D", Path.Combine(_dataDirectory, "db"), "-m", "fast", "-w", "stop"]);
    }

    /// <summary>Starts a stopped server again on the same port.</summary>
    public async Task StartAsync()
    {
        var options = $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -k {_dataDirectory} -c fsync=off -c full_page_writes=off -c max_connections=200";
        await RunAsServerUserAsync(Path.Combine(Bin.Value!, "pg_ctl"), ["-D", Path.Combine(_dataDirectory, "db"), "-o", options, "-l", Path.Combine(_dataDirectory, "server.log"), "-w", "-t", "60", "start"]);
    }

    public async Task DisposeAsync()
    {
        if (Port == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsServerUserAsync(Path.Combine(Bin.Value!, "pg_ctl"), ["-D", Path.Combine(_dataDirectory, "db"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        if (UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>The folder of <c>initdb</c>, <c>pg_ctl</c> and <c>pg_basebackup</c>; null when PostgreSQL is not installed.</summary>
    internal static string? BinDirectory => Bin.Value;

    internal static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    internal static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    /// <summary>Runs a PostgreSQL program, as the <c>postgres</c> user when the tests run as root.</summary>
    internal static Task RunAsServerUserAsync(string file, string[] arguments) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. arguments]) : RunAsync(file, arguments);

    internal static async Task RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}

/// <summary>A test that needs PostgreSQL: skipped with the reason where the binaries are missing, except in CI where the fixture fails.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresCluster.UnavailableReason is { } reason && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = reason;
        }
    }
}
