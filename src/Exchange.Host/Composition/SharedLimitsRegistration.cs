using Exchange.Core.Configuration;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Microsoft.Extensions.DependencyInjection;

namespace Exchange.Host.Composition;

/// <summary>
/// The limits every node must enforce together. With PostgreSQL staging (several nodes may share the store, see
/// <see cref="SchedulerRegistration.IsClustered"/>) the digest nonces, poll pacing, per-principal rate limit and the SOAP
/// endpoint's failed-authentication counts live in the store; with SQLite staging (one node) they stay in memory, as
/// <c>AddExchangeWebService</c> registers them.
/// </summary>
internal static class SharedLimitsRegistration
{
    /// <summary>Registers the store-backed limits when the store is shared; call before <c>AddExchangeWebService</c>.</summary>
    public static IServiceCollection AddExchangeSharedLimits(this IServiceCollection services, ExchangeOptions options)
    {
        if (!SchedulerRegistration.IsClustered(options))
        {
            return services;
        }

        var security = options.Security;
        services.AddSingleton<INonceStore>(sp => new PostgresNonceStore(Postgres(sp), sp.GetRequiredService<TimeProvider>(), security.ReplayWindow));
        services.AddSingleton<IPollPacer>(sp => new PostgresPollPacer(Postgres(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPrincipalRateLimit>(sp => new PostgresRateLimiter(Postgres(sp), sp.GetRequiredService<TimeProvider>(), security.RateLimit));
        services.AddSingleton<IFailedAuthenticationCount>(sp => new PostgresFailedAuthenticationCount(Postgres(sp)));
        return services;
    }

    private static PostgresStagingDatabase Postgres(IServiceProvider services) => (PostgresStagingDatabase)services.GetRequiredService<StagingDatabase>();
}
