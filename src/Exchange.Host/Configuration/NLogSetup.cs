using NLog;

namespace Exchange.Host.Configuration;

/// <summary>Loads <c>config/nlog.config</c> and points its <c>logDirectory</c> variable at the configured folder.</summary>
internal static class NLogSetup
{
    public static void Configure(ConfigLocation location, string logDirectory) => Configure(LogManager.LogFactory, location.NLogPath, logDirectory);

    /// <summary>Loads <paramref name="nlogPath"/> into <paramref name="factory"/> with the Exchange layout renderers known.</summary>
    public static void Configure(LogFactory factory, string nlogPath, string logDirectory)
    {
        if (!File.Exists(nlogPath))
        {
            throw new ConfigurationProblemException($"Logging configuration {nlogPath} is missing; copy config/nlog.config from the release.");
        }

        Directory.CreateDirectory(logDirectory);

        // ${exchange-safe} and ${exchange-stack} must be known before the file is read: every target writes through them.
        factory.Setup()
            .SetupExtensions(extensions =>
            {
                extensions.RegisterLayoutRenderer<SafeTextLayoutRenderer>(SafeTextLayoutRenderer.Name);
                extensions.RegisterLayoutRenderer<SafeStackTraceLayoutRenderer>(SafeStackTraceLayoutRenderer.Name);
            })
            .LoadConfigurationFromFile(nlogPath, optional: false);
        var configuration = factory.Configuration
            ?? throw new ConfigurationProblemException($"Logging configuration {nlogPath} defines nothing.");
        configuration.Variables["logDirectory"] = logDirectory;
        factory.ReconfigExistingLoggers();
    }
}
