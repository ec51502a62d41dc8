using Exchange.Core.Configuration;
using Exchange.Core.Staging;

namespace Exchange.Core.Security;

/// <summary>
/// Each principal's token bucket kept in the PostgreSQL staging store (<c>rate_buckets</c>), so that the nodes sharing the
/// store admit together no more calls than the agreed rate: a bucket of <see cref="RateLimitOptions.Burst"/> (at least
/// <see cref="RateLimitOptions.PermitsPerSecond"/>) refilled continuously with <see cref="RateLimitOptions.PermitsPerSecond"/> tokens a second.
/// </summary>
/// <remarks>
/// One statement per call: the upsert refills the bucket for the time since it was last refilled and takes a token, under
/// the row's lock, only when a whole token is there. A clock that is behind another node's refills nothing rather than
/// taking tokens back.
/// </remarks>
public sealed class PostgresRateLimiter : IPrincipalRateLimit
{
    internal const string TakeSql = PostgresStagingDatabase.WithAsyncCommit + """
        INSERT INTO rate_buckets AS b (principal, tokens, refilled_at) SELECT @principal, @size - 1, @now FROM async_commit
        ON CONFLICT (principal) DO UPDATE SET
            tokens = LEAST(@size, b.tokens + @perSecond * GREATEST(0, EXTRACT(EPOCH FROM EXCLUDED.refilled_at - b.refilled_at)::double precision)) - 1,
            refilled_at = GREATEST(b.refilled_at, EXCLUDED.refilled_at)
        WHERE LEAST(@size, b.tokens + @perSecond * GREATEST(0, EXTRACT(EPOCH FROM EXCLUDED.refilled_at - b.refilled_at)::double precision)) >= 1
        RETURNING 1
        """;

    private readonly PostgresStagingDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly double _perSecond;
    private readonly double _size;

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
    }

    /// <inheritdoc />
    public async ValueTask<int> SecondsToWaitAsync(string principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (_perSecond <= 0)
        {
            return 0;
        }

        var taken = await _database.QueryAsync(
            TakeSql,
            reader => reader.GetInt32(0),
            cancellationToken,
            ("principal", principal),
            ("size", _size),
            ("now", _database.ToDb(_timeProvider.GetUtcNow())),
            ("perSecond", _perSecond)).ConfigureAwait(false);

        // At least one token a second comes back, so a refused caller waits at most a second.
        return taken.Count == 1 ? 0 : 1;
    }
}
