namespace Exchange.Host.Configuration;

/// <summary>Where the configuration files are, and the folder relative paths in them are resolved against.</summary>
/// <param name="ConfigDirectory">The folder holding <c>appsettings.json</c>, <c>schedule.json</c> and <c>nlog.config</c>.</param>
/// <param name="ContentRoot">The parent of the config folder: <c>data/</c> and <c>logs/</c> default to it.</param>
internal sealed record ConfigLocation(string ConfigDirectory, string ContentRoot)
{
    /// <summary>Environment variable naming the config folder when <c>--config</c> is not given.</summary>
    public const string EnvironmentVariable = "EXCHANGE_CONFIG";

    public string AppSettingsPath => Path.Combine(ConfigDirectory, "appsettings.json");

    public string SchedulePath => Path.Combine(ConfigDirectory, "schedule.json");

    public string NLogPath => Path.Combine(ConfigDirectory, "nlog.config");

    /// <summary>
    /// Finds the config folder: the one given, else <c>$EXCHANGE_CONFIG</c>, else <c>./config</c>, else <c>config</c>
    /// beside the executable (the published layout).
    /// </summary>
    /// <exception cref="ConfigurationProblemException">No folder with an <c>appsettings.json</c> was found.</exception>
    public static ConfigLocation Find(string? explicitDirectory)
    {
        var candidates = new List<(string Path, string Origin)>();
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            candidates.Add((explicitDirectory, "--config"));
        }
        else
        {
            if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
            {
                candidates.Add((fromEnvironment, "$" + EnvironmentVariable));
            }
            else
            {
                candidates.Add((Path.Combine(Directory.GetCurrentDirectory(), "config"), "./config"));
                candidates.Add((Path.Combine(AppContext.BaseDirectory, "config"), "config beside the executable"));
            }
        }

        foreach (var (path, _) in candidates)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(Path.Combine(full, "appsettings.json")))
            {
                return new ConfigLocation(full, Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar)) ?? full);
            }
        }

        var tried = string.Join("; ", candidates.Select(c => $"{Path.GetFullPath(c.Path)} ({c.Origin})"));
        throw new ConfigurationProblemException(
            $"No configuration found: none of these folders holds an appsettings.json: {tried}. " +
            $"Run from the repository root, pass --config <folder>, or set {EnvironmentVariable}.");
    }

    /// <summary>A path from the config resolved against the content root (absolute paths are kept).</summary>
    public string Resolve(string path) => Path.GetFullPath(Path.Combine(ContentRoot, path));
}

/// <summary>A configuration problem a person can fix; the message says what, the value, and what is accepted.</summary>
internal sealed class ConfigurationProblemException(string message) : Exception(message);
