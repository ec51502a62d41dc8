using System.Globalization;
using Npgsql;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL primary and a streaming hot standby of it (<c>pg_basebackup -R</c>), each on a free loopback
/// port, removed at the end. Replay on the standby can be paused and resumed.
/// </summary>
public sealed class PostgresStandbyPair : IAsyncLifetime
{
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromSeconds(30);
    private string _root = "";
    private int _databaseCounter;

    public int PrimaryPort { get; private set; }

    public int StandbyPort { get; private set; }

    private string PrimaryData => Path.Combine(_root, "primary");

    private string StandbyData => Path.Combine(_root, "standby");

    public async Task InitializeAsync()
    {
        if (PostgresCluster.UnavailableReason is { } reason)
        {
            if (PostgresCluster.IsCi)
            {
                throw new InvalidOperationException($"CI requires PostgreSQL for the standby tests: {reason}.");
            }

            return;
        }

        var bin = PostgresCluster.BinDirectory!;
        _root = Path.Combine(Path.GetTempPath(), "exchange-pg-pair-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (PostgresCluster.IsRoot)
        {
            await PostgresCluster.RunAsync("chown", ["-R", "postgres:postgres", _root]);
        }

        // initdb's default pg_hba.conf admits replication connections from 127.0.0.1 (trust, as -A says).
        await PostgresCluster.RunAsServerUserAsync(Path.Combine(bin, "initdb"), ["-D", PrimaryData, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        PrimaryPort = FreePorts.Next();
        await StartAsync(PrimaryData, PrimaryPort, "-c wal_level=replica -c max_wal_senders=4");

        await PostgresCluster.RunAsServerUserAsync(
            Path.Combine(bin, "pg_basebackup"),
            ["-h", "127.0.0.1", "-p", Port(PrimaryPort), "-U", "postgres", "-D", StandbyData, "-R", "-X", "stream", "--no-sync"]);
        StandbyPort = FreePorts.Next();
        await StartAsync(StandbyData, StandbyPort, "-c hot_standby=on");
    }

    public async Task DisposeAsync()
    {
        if (PrimaryPort == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var pgCtl = Path.Combine(PostgresCluster.BinDirectory!, "pg_ctl");
        try
        {
            if (StandbyPort != 0)
            {
                await PostgresCluster.RunAsServerUserAsync(pgCtl, ["-D", StandbyData, "-m", "immediate", "-w", "stop"]);
            }

            await PostgresCluster.RunAsServerUserAsync(pgCtl, ["-D", PrimaryData, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    /// <summary>Creates a database on the primary, waits until the standby has it, and returns both connection strings.</summary>
    public async Task<(string Primary, string Standby)> CreateDatabaseAsync(string prefix)
    {
        if (PostgresCluster.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        await ExecuteAsync(Admin(PrimaryPort), $"CREATE DATABASE {name}");
        await WaitForReplayAsync();
        return ($"Host=127.0.0.1;Port={PrimaryPort};Username=postgres;Database={name};Pooling=false",
                $"Host=127.0.0.1;Port={StandbyPort};Username=postgres;Database={name};Pooling=false");
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far.</summary>
    public async Task WaitForReplayAsync()
    {
        var target = await ScalarAsync<string>(Admin(PrimaryPort), "SELECT pg_current_wal_lsn()::text");
        var deadline = TimeProvider.System.GetUtcNow() + ReplayTimeout;
        while (!await ScalarAsync<bool>(Admin(StandbyPort), $"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"The standby did not replay up to {target} within {ReplayTimeout}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Pauses replay on the standby (<c>pg_wal_replay_pause()</c>) and waits until it is paused.</summary>
    public async Task PauseReplayAsync()
    {
        await ExecuteAsync(Admin(StandbyPort), "SELECT pg_wal_replay_pause()");
        while (await ScalarAsync<string>(Admin(StandbyPort), "SELECT pg_get_wal_replay_pause_state()") != "paused")
        {
            await Task.Delay(20);
        }
    }

    /// <summary>Resumes replay on the standby (<c>pg_wal_replay_resume()</c>).</summary>
    public Task ResumeReplayAsync() => ExecuteAsync(Admin(StandbyPort), "SELECT pg_wal_replay_resume()");

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static string Admin(int port) => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task StartAsync(string dataDirectory, int port, string settings)
    {
        var options = $"-p {Port(port)} -c listen_addresses=127.0.0.1 -k {_root} -c fsync=off -c full_page_writes=on -c max_connections=50 {settings}";
        await PostgresCluster.RunAsServerUserAsync(
            Path.Combine(PostgresCluster.BinDirectory!, "pg_ctl"),
            ["-D", dataDirectory, "-o", options, "-l", dataDirectory + ".log", "-w", "-t", "60", "start"]);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresStandbyCollection : ICollectionFixture<PostgresStandbyPair>
{
    public const string Name = "postgres standby";
}
