using Exchange.Core.Audit;
using Exchange.Core.Configuration;
using Exchange.Core.Delivery;
using Exchange.Core.Requests;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.WebService.Operations;
using Exchange.WebService.Soap;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Exchange.WebService;

/// <summary>Wiring of the SOAP/HTTP interface for the host.</summary>
public static class ExchangeWebServiceExtensions
{
    /// <summary>The path the service is mapped at unless another is given.</summary>
    public const string DefaultPath = "/ExchangeService";

    /// <summary>
    /// Registers the SOAP service, authentication and delivery. The host registers the staging store's contracts
    /// (<c>AddStagingStore</c>), <see cref="TimeProvider"/> and <c>IOptions&lt;ExchangeOptions&gt;</c>. The nonce store, the
    /// poll pacer and the rate limit are kept in this node's memory unless the host registered shared ones before, and the
    /// failed-authentication throttle counts in memory only unless the host registered an <see cref="IFailedAuthenticationCount"/>.
    /// </summary>
    public static IServiceCollection AddExchangeWebService(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher>(_ => new Pbkdf2PasswordHasher());
        services.TryAddSingleton(sp => new PrincipalRegistry(sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Principals));
        services.TryAddSingleton(sp => new VerifiedCredentialCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new PrincipalAuthenticator(
            sp.GetRequiredService<PrincipalRegistry>(),
            sp.GetRequiredService<IPasswordHasher>(),
            sp.GetRequiredService<VerifiedCredentialCache>(),
            sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.RateLimit.ConcurrentPasswordChecks));
        services.TryAddSingleton(sp => new DeliveryService(sp.GetRequiredService<IBatchStore>(), sp.GetRequiredService<IOptions<ServiceOptions>>().Value.Web.MaxBatchesPerPoll));
        services.TryAddSingleton<PushService>();
        services.TryAddSingleton<IPollPacer, PollPacer>();
        services.TryAddSingleton(sp => new DigestSecrets(sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.DigestSecrets));
        services.TryAddSingleton<INonceStore>(sp =>
        {
            var security = sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security;
            var bound = NonceReplayCache.BoundFor(security.ReplayWindow, security.RateLimit.PermitsPerSecond, security.RateLimit.Burst);
            return new NonceReplayCache(sp.GetRequiredService<TimeProvider>(), security.ReplayWindow, bound);
        });
        services.TryAddSingleton(sp => new DigestAuthenticator(
            sp.GetRequiredService<PrincipalRegistry>(),
            sp.GetRequiredService<DigestSecrets>(),
            sp.GetRequiredService<INonceStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.ReplayWindow));
        services.TryAddSingleton(sp => new ClientCertificateMap(sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.Tls.ClientCertificates));
        services.TryAddSingleton<IPrincipalRateLimit>(sp => new PrincipalRateLimiter(sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.RateLimit));
        services.TryAddSingleton<SoapContract>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, PollOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, FetchBatchOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, AckOperation>());
        services.TryAddSingleton<RequestService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, SubmitRequestOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, GetResponseOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, TakePendingRequestsOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, PutResponseOperation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISoapOperation, PushBatchOperation>());
        services.TryAddSingleton(sp => new FailedAuthenticationThrottle(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.RateLimit.FailedAuthenticationsPerMinute,
            sp.GetService<IFailedAuthenticationCount>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<FailedAuthenticationThrottle>>()));
        services.TryAddSingleton<AuditTrail>();
        services.TryAddSingleton<IAuditBacklog>(sp => sp.GetRequiredService<AuditTrail>());
        services.TryAddSingleton(sp => new StrangerAudit(
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Security.RateLimit.StrangerAuditRowsPerMinute));
        services.TryAddSingleton(sp => new CallerEndpoint(sp.GetRequiredService<IOptions<ServiceOptions>>().Value.Web.TrustedProxies));
        services.TryAddSingleton<SoapAuthentication>();
        services.TryAddSingleton<SoapEndpoint>();
        return services;
    }

    /// <summary>
    /// Maps the service at <paramref name="path"/>: <c>POST</c> for SOAP 1.1 and 1.2 envelopes, <c>GET ?wsdl</c> for the WSDL
    /// (and <c>GET ?xsd</c> for the schema). Returns the group so the host can add conventions (host filters, rate limits).
    /// </summary>
    public static RouteGroupBuilder MapExchangeService(this IEndpointRouteBuilder endpoints, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var endpoint = endpoints.ServiceProvider.GetRequiredService<SoapEndpoint>();
        var group = endpoints.MapGroup(path);
        group.MapPost("", (RequestDelegate)endpoint.HandlePostAsync);
        group.MapGet("", (RequestDelegate)endpoint.HandleGetAsync);
        return group;
    }
}
