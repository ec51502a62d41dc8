using System.Collections.Concurrent;
using Exchange.Core.Configuration;
using Exchange.Core.Staging;

namespace Exchange.Core.Security;

/// <summary>
/// Each principal's token bucket kept in the PostgreSQL staging store (<c>rate_buckets</c>), so that the nodes sharing the
/// store admit together no more calls than the agreed rate: a bucket of <see cref="RateLimitOptions.Burst"/> (at least
/// <see cref="RateLimitOptions.PermitsPerSecond"/>) refilled continuously with <see cref="RateLimitOptions.PermitsPerSecond"/> tokens a second.
/// </summary>
/// <remarks>
/// <para>
/// One statement takes tokens: it refills the bucket for the time since it was last refilled and takes them, under the
/// row's lock, only when a whole token is there. A clock that is behind another node's refills nothing rather than
/// taking tokens back.
/// </para>
/// <para>
/// A node takes a block of tokens at a time, a hundredth of a second's worth (<see cref="BlockSize"/>; one token up to
/// 199 a second, so the default of 20 a second takes them one by one), and spends it locally. A token taken from the
/// store is never given back, so the nodes together never admit more than the bucket allows; a block that its node has
/// not spent within <see cref="BlockLifetime"/> is dropped, and the most that can go unused is a block per node.
/// Without blocks, every call of a principal flooding a node queued on its one row: measured with
/// <c>tests/bench/poll-load.sh</c>, the check cost Poll 27 % of its rate.
/// </para>
/// <para>
/// One call per principal and node asks the store at a time; the others wait for its answer. A refusal is kept until the
/// bucket can next hold a whole token (the store says how much of one it holds), so calls beyond the rate do not each
/// cost a statement.
/// </para>
/// </remarks>
public sealed class PostgresRateLimiter : IPrincipalRateLimit
{
    /// <summary>How long a node may keep tokens it took and has not spent.</summary>
    public static readonly TimeSpan BlockLifetime = TimeSpan.FromSeconds(1);

    /// <summary>The most tokens a node takes at once.</summary>
    public const int MaxBlock = 100;

    // Takes min(@block, whole tokens there) and returns (taken, 0); returns (0, the fraction of a token there) when there
    // is not a whole one; returns no row when the bucket was created by another node between the look and the insert.
    internal const string TakeSql = PostgresStagingDatabase.WithAsyncCommit + """
        , bucket AS MATERIALIZED (
            SELECT LEAST(@size, b.tokens + @perSecond * GREATEST(0, EXTRACT(EPOCH FROM @now - b.refilled_at)::double precision)) AS available,
                   GREATEST(b.refilled_at, @now) AS refilled_at
            FROM rate_buckets b CROSS JOIN async_commit WHERE b.principal = @principal FOR UPDATE OF b)
        , taken AS (
            UPDATE rate_buckets b SET tokens = k.available - LEAST(@block, floor(k.available)), refilled_at = k.refilled_at
            FROM bucket k WHERE b.principal = @principal AND k.available >= 1
            RETURNING LEAST(@block, floor(k.available)) AS tokens)
        , created AS (
            INSERT INTO rate_buckets (principal, tokens, refilled_at)
            SELECT @principal, @size - LEAST(@block, floor(@size)), @now FROM async_commit WHERE NOT EXISTS (SELECT 1 FROM bucket)
            ON CONFLICT (principal) DO NOTHING
            RETURNING LEAST(@block, floor(@size)) AS tokens)
        SELECT tokens, 0::double precision FROM taken
        UNION ALL SELECT tokens, 0::double precision FROM created
        UNION ALL SELECT 0, available FROM bucket WHERE available < 1
        """;

    private readonly PostgresStagingDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly double _perSecond;
    private readonly double _size;
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);

    /// <summary>Creates the limiter; <see cref="RateLimitOptions.PermitsPerSecond"/> 0 lets everything through without asking the store.</summary>
    public PostgresRateLimiter(PostgresStagingDatabase database, TimeProvider timeProvider, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _timeProvider = timeProvider;
        _perSecond = options.PermitsPerSecond;
        _size = Math.Max(options.Burst, options.PermitsPerSecond);
        BlockSize = (int)Math.Clamp(Math.Floor(_perSecond / 100), 1, MaxBlock);
    }

    /// <summary>How many tokens this node takes from the store at once.</summary>
    public int BlockSize { get; }

    /// <inheritdoc />
    public async ValueTask<int> SecondsToWaitAsync(string principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (_perSecond <= 0)
        {
            return 0;
        }

        var held = _held.GetOrAdd(principal, _ => new Held());
        if (held.TryTake(_timeProvider.GetUtcNow()) is { } local)
        {
            return local;
        }

        await held.Asking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another call may have asked while this one waited.
            var now = _timeProvider.GetUtcNow();
            if (held.TryTake(now) is { } answered)
            {
                return answered;
            }

            var (tokens, available) = await TakeAsync(principal, now, cancellationToken).ConfigureAwait(false);
            if (tokens >= 1)
            {
                held.Fill(tokens - 1, now + BlockLifetime);
                return 0;
            }

            // No whole token until the bucket has refilled the rest of one.
            held.Refuse(now + TimeSpan.FromSeconds((1 - available) / _perSecond));
            return 1;
        }
        finally
        {
            held.Asking.Release();
        }
    }

    private async Task<(int Tokens, double Available)> TakeAsync(string principal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await TakeOnceAsync(principal, now, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            // Another node created the bucket between this statement's look and its insert: the second try finds it.
            rows = await TakeOnceAsync(principal, now, cancellationToken).ConfigureAwait(false);
        }

        return rows.Count == 1 ? rows[0] : (0, 0);
    }

    private Task<IReadOnlyList<(int Tokens, double Available)>> TakeOnceAsync(string principal, DateTimeOffset now, CancellationToken cancellationToken) =>
        _database.QueryAsync(
            TakeSql,
            reader => ((int)reader.GetDouble(0), reader.GetDouble(1)),
            cancellationToken,
            ("principal", principal),
            ("size", _size),
            ("now", _database.ToDb(now)),
            ("perSecond", _perSecond),
            ("block", BlockSize));

    /// <summary>What this node holds for one principal: tokens it took and may spend until they expire, or a refusal.</summary>
    private sealed class Held
    {
        private readonly Lock _lock = new();
        private int _tokens;
        private DateTimeOffset _expires;
        private DateTimeOffset _refusedUntil;

        /// <summary>Held by the one call that asks the store for this principal on this node.</summary>
        public SemaphoreSlim Asking { get; } = new(1, 1);

        /// <summary>0 when a held token was spent, 1 while a refusal holds, null when the store must be asked.</summary>
        public int? TryTake(DateTimeOffset now)
        {
            lock (_lock)
            {
                if (_tokens > 0 && now < _expires)
                {
                    _tokens--;
                    return 0;
                }

                return now < _refusedUntil ? 1 : null;
            }
        }

        public void Fill(int tokens, DateTimeOffset expires)
        {
            lock (_lock)
            {
                _tokens = tokens;
                _expires = expires;
                _refusedUntil = default;
            }
        }

        public void Refuse(DateTimeOffset until)
        {
            lock (_lock)
            {
                _tokens = 0;
                _refusedUntil = until;
            }
        }
    }
}
