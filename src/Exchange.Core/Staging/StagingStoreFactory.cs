using Exchange.Core.Configuration;

namespace Exchange.Core.Staging;

/// <summary>Creates the staging database named by the options.</summary>
public static class StagingStoreFactory
{
    /// <summary>The accepted <see cref="StagingOptions.Provider"/> names.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["sqlite", "postgres"];

    /// <summary>The database for <see cref="StagingOptions.Provider"/> (<c>sqlite</c> or <c>postgres</c>).</summary>
    public static StagingDatabase Create(StagingOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider switch
        {
            "sqlite" => new SqliteStagingDatabase(options.ConnectionString, timeProvider),
            "postgres" => new PostgresStagingDatabase(options.ConnectionString, timeProvider),
            _ => throw new ArgumentException($"Exchange:Staging:Provider must be 'sqlite' or 'postgres', was '{options.Provider}'.", nameof(options)),
        };
    }
}
