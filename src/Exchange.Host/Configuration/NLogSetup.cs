using NLog;

namespace Exchange.Host.Configuration;

/// <summary>Loads <c>config/nlog.config</c> and points its <c>logDirectory</c> variable at the configured folder.</summary>
internal static class NLogSetup
{
    public static void Configure(ConfigLocation location, string logDirectory)
    {
        if (!File.Exists(location.NLogPath))
        {
            throw new ConfigurationProblemException($"Logging configuration {location.NLogPath} is missing; copy config/nlog.config from the release.");
        }

        Directory.CreateDirectory(logDirectory);
        LogManager.Setup().LoadConfigurationFromFile(location.NLogPath, optional: false);
        var configuration = LogManager.Configuration
            ?? throw new ConfigurationProblemException($"Logging configuration {location.NLogPath} defines nothing.");
        configuration.Variables["logDirectory"] = logDirectory;
        LogManager.ReconfigExistingLoggers();
    }
}
