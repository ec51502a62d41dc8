using Exchange.Core.Audit;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Microsoft.Extensions.DependencyInjection;

namespace Exchange.Core.Staging;

/// <summary>Registers the staging store under each contract it implements.</summary>
public static class StagingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store made by <paramref name="create"/> once, and <see cref="IStagingStore"/>, <see cref="IRequestStore"/>,
    /// <see cref="IAuditStore"/>, <see cref="ILoadSampleStore"/> and <see cref="IOperationsStore"/> as that same instance.
    /// </summary>
    public static IServiceCollection AddStagingStore(this IServiceCollection services, Func<IServiceProvider, AdoStagingStore> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(create);
        services.AddSingleton(create);
        services.AddSingleton<IStagingStore>(sp => sp.GetRequiredService<AdoStagingStore>());
        services.AddSingleton<IRequestStore>(sp => sp.GetRequiredService<AdoStagingStore>());
        services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<AdoStagingStore>());
        services.AddSingleton<ILoadSampleStore>(sp => sp.GetRequiredService<AdoStagingStore>());
        services.AddSingleton<IOperationsStore>(sp => sp.GetRequiredService<AdoStagingStore>());
        return services;
    }
}
