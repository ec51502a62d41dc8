using Exchange.Core.Audit;
using Exchange.Core.Deletes;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Microsoft.Extensions.DependencyInjection;

namespace Exchange.Core.Staging;

/// <summary>Registers the staging database and one store per feature on it.</summary>
public static class StagingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the database made by <paramref name="create"/> once, and <see cref="IBatchStore"/>, <see cref="IRequestStore"/>,
    /// <see cref="IAuditStore"/>, <see cref="ILoadSampleStore"/>, <see cref="IOperationsStore"/> and <see cref="IKeyIndexStore"/> each with its store on it,
    /// and the <see cref="DatasetLeases"/>.
    /// The stores also take the registered <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddStagingStore(this IServiceCollection services, Func<IServiceProvider, StagingDatabase> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(create);
        services.AddSingleton(create);
        services.AddSingleton<IBatchStore, BatchStore>();
        services.AddSingleton<IRequestStore, RequestStore>();
        services.AddSingleton<IAuditStore, AuditStore>();
        services.AddSingleton<ILoadSampleStore, LoadSampleStore>();
        services.AddSingleton<IOperationsStore, OperationsStore>();
        services.AddSingleton<DatasetLeases>();
        services.AddSingleton<IKeyIndexStore, KeyIndexStore>();
        return services;
    }
}
