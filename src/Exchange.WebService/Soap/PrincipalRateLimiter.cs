using System.Threading.RateLimiting;
using Exchange.Core.Configuration;
using Exchange.Core.Security;

namespace Exchange.WebService.Soap;

/// <summary>
/// A token bucket per principal (System.Threading.RateLimiting, as ASP.NET Core's rate limiting uses): a principal that
/// calls faster than <see cref="RateLimitOptions.PermitsPerSecond"/> beyond its burst is told to wait. Kept in this node's memory.
/// </summary>
internal sealed class PrincipalRateLimiter : IPrincipalRateLimit, IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    /// <summary>Creates the limiter; <see cref="RateLimitOptions.PermitsPerSecond"/> 0 lets everything through.</summary>
    public PrincipalRateLimiter(RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PermitsPerSecond <= 0)
        {
            return;
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(options.Burst, options.PermitsPerSecond),
            TokensPerPeriod = options.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(principal => RateLimitPartition.GetTokenBucketLimiter(principal, _ => bucket));
    }

    /// <summary>0 when <paramref name="principal"/> may call now; otherwise the whole seconds to wait (at least 1).</summary>
    private int SecondsToWait(string principal)
    {
        if (_limiter is null)
        {
            return 0;
        }

        using var lease = _limiter.AttemptAcquire(principal);
        if (lease.IsAcquired)
        {
            return 0;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
    }

    /// <inheritdoc />
    public ValueTask<int> SecondsToWaitAsync(string principal, CancellationToken cancellationToken) => new(SecondsToWait(principal));

    /// <inheritdoc />
    public void Dispose() => _limiter?.Dispose();
}
