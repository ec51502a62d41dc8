using System.Text.RegularExpressions;
using Exchange.Core.Security;
using Exchange.Core.Sources;
using Exchange.Core.Staging;

namespace Exchange.Core.Configuration;

/// <summary>Checks <c>appsettings.json</c>; every problem names the field, the value, and what is accepted.</summary>
public static partial class ExchangeOptionsValidator
{
    private const string File = "appsettings.json";

    /// <summary>All problems found (empty when the options are usable).</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<ConfigurationProblem>();
        void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, "Exchange:" + field, message));

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            Add("DataDirectory", "must name a folder, was empty");
        }

        if (!StagingStoreFactory.Providers.Contains(options.Staging.Provider, StringComparer.Ordinal))
        {
            Add("Staging:Provider", $"must be one of {string.Join(", ", StagingStoreFactory.Providers)}, was '{options.Staging.Provider}'");
        }

        if (string.IsNullOrWhiteSpace(options.Staging.ConnectionString))
        {
            Add("Staging:ConnectionString", "must be set, was empty");
        }

        foreach (var (name, source) in options.Sources)
        {
            if (!SourceProviders.Names.Contains(source.Provider, StringComparer.Ordinal))
            {
                Add($"Sources:{name}:Provider", $"must be one of {string.Join(", ", SourceProviders.Names)}, was '{source.Provider}'");
            }

            if (string.IsNullOrWhiteSpace(source.ConnectionString))
            {
                Add($"Sources:{name}:ConnectionString", "must be set (in the file or the environment variable Exchange__Sources__" + name + "__ConnectionString), was empty");
            }

            if (source.TimeZoneOffset < TimeSpan.FromHours(-14) || source.TimeZoneOffset > TimeSpan.FromHours(14))
            {
                Add($"Sources:{name}:TimeZoneOffset", $"must be between -14:00 and +14:00, was {source.TimeZoneOffset}");
            }

            ValidateStandby(name, source, Add);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Principals.Count; i++)
        {
            var principal = options.Principals[i];
            var field = $"Principals:{i}";
            if (!PrincipalName().IsMatch(principal.Name))
            {
                Add(field + ":Name", $"must be 1 to 64 letters, digits, '.', '_' or '-', was '{principal.Name}'");
            }
            else if (!seen.Add(principal.Name))
            {
                Add(field + ":Name", $"'{principal.Name}' is configured twice; names must be unique");
            }

            if (PrincipalRoleNames.Parse(principal.Role) is null)
            {
                Add(field + ":Role", $"must be one of {string.Join(", ", PrincipalRoleNames.All)}, was '{principal.Role}'");
            }

            if (!principal.PasswordHash.StartsWith("pbkdf2-sha256$", StringComparison.Ordinal) || principal.PasswordHash.Split('$').Length != 4)
            {
                Add(field + ":PasswordHash", "must be a hash printed by 'exchange hash-password' (pbkdf2-sha256$<iterations>$<salt>$<hash>), was not");
            }

            if (principal.MinPollInterval < TimeSpan.Zero)
            {
                Add(field + ":MinPollInterval", $"must not be negative, was {principal.MinPollInterval}");
            }
        }

        if (options.Demo.Enabled)
        {
            if (!options.Sources.TryGetValue(options.Demo.Source, out var demoSource))
            {
                Add("Demo:Source", $"must name a configured source ({string.Join(", ", options.Sources.Keys)}), was '{options.Demo.Source}'");
            }
            else if (!string.Equals(demoSource.Provider, "sqlite", StringComparison.Ordinal))
            {
                Add("Demo:Source", $"the demo creates a SQLite file: source '{options.Demo.Source}' must use provider sqlite, was '{demoSource.Provider}'");
            }

            if (options.Demo.SeedPersons < 1)
            {
                Add("Demo:SeedPersons", $"must be at least 1, was {options.Demo.SeedPersons}");
            }

            if (options.Demo.InsertInterval < TimeSpan.Zero)
            {
                Add("Demo:InsertInterval", $"must not be negative (zero stops inserting), was {options.Demo.InsertInterval}");
            }
        }

        return problems;
    }

    private static void ValidateStandby(string name, SourceOptions source, Action<string, string> add)
    {
        var hasStandby = !string.IsNullOrWhiteSpace(source.ReadConnectionString);
        if (hasStandby && source.Provider == "sqlite")
        {
            add($"Sources:{name}:ReadConnectionString", "is for postgres, oracle and sqlserver sources (a standby); a sqlite source has none, remove it");
        }

        if (source.ProbeOn == ProbeTarget.PrimaryAndStandby && !hasStandby)
        {
            add($"Sources:{name}:ProbeOn", "is PrimaryAndStandby, but the source has no ReadConnectionString; set one or use Primary");
        }

        if (source.MaxReplicaLag <= TimeSpan.Zero)
        {
            add($"Sources:{name}:MaxReplicaLag", $"must be longer than zero, such as 00:05:00, was {source.MaxReplicaLag}");
        }

        if (source.Isolation != SqlServerIsolation.ReadCommitted && source.Provider != "sqlserver")
        {
            add($"Sources:{name}:Isolation", $"is for sqlserver sources (ReadCommitted, Snapshot, SnapshotWhenAllowed), was {source.Isolation} on a {source.Provider} source");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex PrincipalName();
}
