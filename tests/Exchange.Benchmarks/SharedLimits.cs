using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Exchange.Core.Configuration;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Npgsql;

namespace Exchange.Benchmarks;

/// <summary>
/// What each limit shared through a PostgreSQL staging store costs per call: the nonce of a digest token, the poll pacing
/// of a Poll and the per-principal rate limit, each timed over <c>calls</c> calls by one caller (the latency a SOAP call
/// pays) and by <c>callers</c> callers at once on distinct principals (what the store sustains), beside a bare
/// <c>SELECT 1</c> round trip on the same pool and the in-memory implementations a single node uses.
/// </summary>
internal static class SharedLimits
{
    public static async Task<int> RunAsync(string staging, int calls, int callers)
    {
        await using var database = new PostgresStagingDatabase(staging, TimeProvider.System);
        await database.MigrateAsync(default);
        var window = TimeSpan.FromMinutes(5);
        var nonces = new PostgresNonceStore(database, TimeProvider.System, window);
        var pacer = new PostgresPollPacer(database, TimeProvider.System);
        var limiter = new PostgresRateLimiter(database, TimeProvider.System, new RateLimitOptions { PermitsPerSecond = 1_000_000, Burst = 1_000_000 });
        var memoryNonces = new NonceReplayCache(TimeProvider.System, window, 10_000_000);
        var memoryPacer = new PollPacer(TimeProvider.System);
        var dataSource = NpgsqlDataSource.Create(staging);
        await using var dataSourceScope = dataSource;

        // Paced at one microsecond, so every poll is let through and each one writes its row.
        var principals = Enumerable.Range(0, callers)
            .Select(i => new Principal($"bench-{i}", PrincipalRole.Insurer, "", new HashSet<string>(), new HashSet<string>(), TimeSpan.FromTicks(10)))
            .ToArray();
        var checks = new (string Name, Func<int, ValueTask> Call)[]
        {
            ("round_trip", async _ =>
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync();
            }),
            ("nonce", async caller => await nonces.TryUseAsync(principals[caller].Name, RandomNumberGenerator.GetBytes(16), default)),
            ("poll_pacing", async caller => await PollAsync(pacer, principals[caller])),
            ("rate_limit", async caller => await limiter.SecondsToWaitAsync(principals[caller].Name, default)),
            ("memory_nonce", async caller => await memoryNonces.TryUseAsync(principals[caller].Name, RandomNumberGenerator.GetBytes(16), default)),
            ("memory_poll_pacing", async caller => await PollAsync(memoryPacer, principals[caller])),
        };

        var single = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, call) in checks)
        {
            await TimeAsync(call, Math.Min(calls, 500), 1); // warm-up: pool, plans, JIT
            var (perCall, perSecond) = await TimeAsync(call, calls, 1);
            var (_, parallelPerSecond) = await TimeAsync(call, calls, callers);
            single[name] = perCall;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"shared-limits check={name} us_per_call={perCall:F1} calls_per_s={perSecond:F0} calls_per_s_{callers}_callers={parallelPerSecond:F0}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shared-limits nonce_us={single["nonce"]:F1} poll_pacing_us={single["poll_pacing"]:F1} rate_limit_us={single["rate_limit"]:F1} round_trip_us={single["round_trip"]:F1} calls={calls}"));
        return 0;
    }

    private static async ValueTask PollAsync(IPollPacer pacer, Principal principal)
    {
        try
        {
            await pacer.BeginAsync(principal, default);
        }
        catch (ExchangeFaultException ex) when (ex.Code == ExchangeFaultCode.PollTooSoon)
        {
            // Two polls of one caller within the same microsecond: refused, after the same one statement.
        }
    }

    // Calls spread over callers, each caller calling in turn; returns microseconds per call (as one caller sees it) and calls per second.
    private static async Task<(double MicrosecondsPerCall, double CallsPerSecond)> TimeAsync(Func<int, ValueTask> call, int calls, int callers)
    {
        var each = Math.Max(1, calls / callers);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                await call(caller);
            }
        })));
        var seconds = watch.Elapsed.TotalSeconds;
        return (seconds * 1e6 / each, each * callers / seconds);
    }
}
