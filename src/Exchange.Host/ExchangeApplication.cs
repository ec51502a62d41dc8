using Exchange.Core.Deletes;
using Exchange.Core.Demo;
using Exchange.Core.Extraction;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Exchange.Host.Composition;
using Exchange.Host.Configuration;
using Exchange.Host.Demo;
using Exchange.Host.Jobs;
using Exchange.WebService;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;

namespace Exchange.Host;

/// <summary>The composition root: one web application that hosts the SOAP endpoint, the Quartz jobs and the demo.</summary>
internal static class ExchangeApplication
{
    public static WebApplication Build(ConfigLocation location, LoadedConfiguration loaded)
    {
        var (options, service) = (loaded.Options, loaded.Service);
        var builder = WebApplication.CreateSlimBuilder(WebApplicationDefaults.Options(location.ContentRoot));

        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(loaded.AppSettings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddNLog();

        // Its only messages are "Request starting/finished", which nlog.config discards; but while the category is enabled
        // at any level, ASP.NET Core starts an Activity and a log scope for every request to feed them.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        builder.WebHost.UseUrls(service.Web.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = service.Web.MaxRequestBodyBytes;
        });

        var services = builder.Services;
        // Bound once, by ExchangeConfiguration.Load; the host hands out that instance and validates it again at start.
        services.AddBoundOptions(options, service, location.Resolve);
        services.AddSingleton(TimeProvider.System);
        services.AddStagingStore(sp => StagingStoreFactory.Create(options.Staging, sp.GetRequiredService<TimeProvider>()));
        services.AddExchangeLoadAwareExtraction(location, loaded);
        services.AddSingleton<SourceConnector>();
        services.AddSingleton<ChunkStoreRetry>();
        services.AddSingleton<ExtractionEngine>();
        services.AddSingleton<DeleteReconciler>();

        if (options.Demo.Enabled)
        {
            // Registered before Quartz: hosted services start in order, so the demo source exists before the first extraction.
            var demoSource = options.Sources[options.Demo.Source];
            services.AddSingleton(sp => new DemoSource(demoSource, options.Demo, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DemoSource>>()));
            services.AddSingleton(sp => new DemoInserter(demoSource, options.Demo, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DemoInserter>>()));
            services.AddHostedService<DemoService>();
        }

        services.AddExchangeScheduler(options, service);
        services.AddHostedService<DatasetScheduler>();
        services.AddExchangeRequests();

        services.AddExchangeSharedLimits(options);
        services.AddExchangeWebService();
        builder.AddExchangeWebSecurity(location, options);
        services.AddExchangeOperator(service, SchedulerRegistration.IsClustered(options));
        services.AddExchangeServiceManagers();

        var app = builder.Build();
        app.MapExchangeService();
        return app;
    }
}
