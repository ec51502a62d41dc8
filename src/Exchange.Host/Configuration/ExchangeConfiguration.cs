using Exchange.Core.Configuration;
using Exchange.Core.Sources;
using Microsoft.Extensions.Configuration;

namespace Exchange.Host.Configuration;

/// <summary>Reads the configuration files and resolves the paths in them against the content root.</summary>
internal static class ExchangeConfiguration
{
    /// <summary><c>appsettings.json</c> with environment variables over it (<c>Exchange__Sources__prod__ConnectionString</c> keeps a secret out of the file).</summary>
    public static IConfigurationRoot LoadAppSettings(ConfigLocation location) =>
        new ConfigurationBuilder()
            .AddJsonFile(location.AppSettingsPath, optional: false, reloadOnChange: false)
            .AddEnvironmentVariables()
            .Build();

    /// <summary><c>schedule.json</c> (optional: no file means no datasets).</summary>
    public static IConfigurationRoot LoadSchedule(ConfigLocation location) =>
        new ConfigurationBuilder()
            .AddJsonFile(location.SchedulePath, optional: true, reloadOnChange: false)
            .Build();

    /// <summary>Binds the <c>Exchange</c> section and resolves its paths.</summary>
    public static ExchangeOptions BindExchange(IConfiguration configuration, ConfigLocation location)
    {
        var options = new ExchangeOptions();
        configuration.GetSection(ExchangeOptions.SectionName).Bind(options);
        Resolve(options, location);
        return options;
    }

    /// <summary>Binds a schedule.</summary>
    public static ScheduleOptions BindSchedule(IConfiguration configuration)
    {
        var schedule = new ScheduleOptions();
        configuration.Bind(schedule);
        return schedule;
    }

    /// <summary>Makes the data and log folders absolute and expands <c>{data}</c> in connection strings.</summary>
    public static void Resolve(ExchangeOptions options, ConfigLocation location)
    {
        options.DataDirectory = location.Resolve(options.DataDirectory);
        options.LogDirectory = location.Resolve(options.LogDirectory);
        options.Staging.ConnectionString = DataDirectory.Expand(options.Staging.ConnectionString, options.DataDirectory);
        foreach (var source in options.Sources.Values)
        {
            source.ConnectionString = DataDirectory.Expand(source.ConnectionString, options.DataDirectory);
        }
    }
}
