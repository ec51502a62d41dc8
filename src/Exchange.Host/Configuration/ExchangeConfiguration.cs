using Exchange.Core.Configuration;
using Exchange.Core.Sources;
using Exchange.WebService;
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

    /// <summary>
    /// Reads both files once and binds them once: the options and the schedule the daemon will run with, and every problem
    /// in them (the same validators as <c>ValidateOnStart</c> and the schedule's hot reload).
    /// </summary>
    public static LoadedConfiguration Load(ConfigLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        IConfigurationRoot appSettings;
        ExchangeOptions options;
        ServiceOptions service;
        try
        {
            appSettings = LoadAppSettings(location);
            options = BindExchange(appSettings, location);
            service = new ServiceOptions();
            appSettings.GetSection(ServiceOptions.SectionName).Bind(service);
            service.LogDirectory = location.Resolve(service.LogDirectory);
            if (string.IsNullOrWhiteSpace(service.NodeName))
            {
                service.NodeName = DefaultNodeName(service.Web.Urls);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or InvalidDataException or FormatException)
        {
            return new LoadedConfiguration(
                new ConfigurationBuilder().Build(), new ExchangeOptions(), new ServiceOptions(), new ScheduleOptions(), ScheduleFile.Hash([]),
                [new ConfigurationProblem("appsettings.json", "(file)", Describe(error))]);
        }

        IReadOnlyList<ConfigurationProblem> exchangeProblems =
            [.. new ExchangeOptionsValidation(location.Resolve).Problems(options), .. new ServiceOptionsValidation(options).Problems(service)];
        byte[] content;
        ScheduleOptions schedule;
        try
        {
            // Optional: no file means no datasets.
            content = File.Exists(location.SchedulePath) ? File.ReadAllBytes(location.SchedulePath) : [];
            schedule = ScheduleFile.Parse(content);
        }
        catch (Exception error) when (error is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new LoadedConfiguration(
                appSettings, options, service, new ScheduleOptions(), ScheduleFile.Hash([]),
                [.. exchangeProblems, new ConfigurationProblem("schedule.json", "(file)", error.Message)]);
        }

        return new LoadedConfiguration(
            appSettings, options, service, schedule, ScheduleFile.Hash(content),
            [.. exchangeProblems, .. new ScheduleOptionsValidation(options).Problems(schedule)]);
    }

    /// <summary>The machine's name and the port of the first listen URL (<c>fep01:8080</c>): unique among the nodes, also two on one machine.</summary>
    public static string DefaultNodeName(string webUrls)
    {
        var first = ListenUrls.Split(webUrls).FirstOrDefault() ?? "";
        var port = Uri.TryCreate(first.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Port : 0;
        return port > 0 ? $"{Environment.MachineName}:{port}" : Environment.MachineName;
    }

    /// <summary>A configuration error's message with the causes the binder wraps one level down (e.g. "'abc' is not a valid TimeSpan").</summary>
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" ", messages.Distinct(StringComparer.Ordinal));
    }

    /// <summary>Binds the <c>Exchange</c> section and resolves its paths.</summary>
    private static ExchangeOptions BindExchange(IConfiguration configuration, ConfigLocation location)
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
        options.Staging.ConnectionString = DataDirectory.Expand(options.Staging.ConnectionString, options.DataDirectory);
        foreach (var source in options.Sources.Values)
        {
            source.ConnectionString = DataDirectory.Expand(source.ConnectionString, options.DataDirectory);
        }
    }
}

/// <summary>The configuration as read and bound once at start.</summary>
/// <param name="AppSettings"><c>appsettings.json</c> with the environment over it, for the host's own sections.</param>
/// <param name="Options">The bound <c>Exchange</c> section, paths resolved.</param>
/// <param name="Service">The service's own settings from the same section (listening, operator endpoint, logs), paths resolved.</param>
/// <param name="Schedule">The bound <c>schedule.json</c>.</param>
/// <param name="ScheduleHash">The hash of the schedule file's bytes, so the first reload of the same content is ignored.</param>
/// <param name="Problems">Every problem found; the daemon starts only when there is none.</param>
internal sealed record LoadedConfiguration(
    IConfiguration AppSettings, ExchangeOptions Options, ServiceOptions Service, ScheduleOptions Schedule, string ScheduleHash, IReadOnlyList<ConfigurationProblem> Problems);
