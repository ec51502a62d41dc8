using Exchange.Core.Requests;
using Exchange.Host.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Exchange.Host.Composition;

/// <summary>Wiring of request/response pairing: the store, the service behind the SOAP operations, the worker and its schedule.</summary>
internal static class RequestsRegistration
{
    /// <summary>Registers the request store (the staging store), <see cref="RequestService"/>, <see cref="RequestWorker"/> and its scheduler.</summary>
    public static IServiceCollection AddExchangeRequests(this IServiceCollection services)
    {
        services.TryAddSingleton<RequestService>();
        services.TryAddSingleton<RequestWorker>();
        services.AddHostedService<RequestWorkerScheduler>();
        return services;
    }
}
