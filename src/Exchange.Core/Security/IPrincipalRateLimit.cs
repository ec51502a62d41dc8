namespace Exchange.Core.Security;

/// <summary>
/// Each principal's rate limit (<c>Exchange:Security:RateLimit</c>, a token bucket): in this node's memory or, for several
/// nodes on one PostgreSQL store, in the store (<see cref="PostgresRateLimiter"/>).
/// </summary>
public interface IPrincipalRateLimit
{
    /// <summary>Takes a token for one call of <paramref name="principal"/>: 0 when it may call now, otherwise the whole seconds to wait (at least 1).</summary>
    ValueTask<int> SecondsToWaitAsync(string principal, CancellationToken cancellationToken);
}
