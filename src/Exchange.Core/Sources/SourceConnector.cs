using System.Data.Common;
using Exchange.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Sources;

/// <summary>A configured source as the engines see it: its dialect, time zone and a log-safe description.</summary>
public sealed record SourceInfo(string Name, string Provider, SqlDialect Dialect, TimeSpan TimeZoneOffset, string Description);

/// <summary>Opens connections to the sources configured in <see cref="ExchangeOptions.Sources"/>.</summary>
public sealed class SourceConnector(SourceProviderRegistry providers, IOptionsMonitor<ExchangeOptions> options)
{
    /// <summary>The configured source, or an error naming the unknown source and the configured ones.</summary>
    /// <exception cref="SourceProviderException">Unknown source name or provider name.</exception>
    public SourceInfo Describe(string sourceName)
    {
        var (source, connectionString) = Find(sourceName);
        var dialect = SourceProviderRegistry.GetDialect(source.Provider);
        return new SourceInfo(sourceName, source.Provider, dialect, source.TimeZoneOffset, ConnectionStringDescriber.Describe(dialect, connectionString));
    }

    /// <summary>Opens a new connection to the named source. The caller disposes it.</summary>
    public Task<DbConnection> OpenAsync(string sourceName, CancellationToken cancellationToken)
    {
        var (source, connectionString) = Find(sourceName);
        // Named sessions: the load probes leave the daemon's own work out of what they count.
        var named = Load.SessionNaming.Apply(SourceProviderRegistry.GetDialect(source.Provider), connectionString);
        return providers.OpenAsync(source.Provider, named, cancellationToken);
    }

    private (SourceOptions Source, string ConnectionString) Find(string sourceName)
    {
        var current = options.CurrentValue;
        if (!current.Sources.TryGetValue(sourceName, out var source))
        {
            throw new SourceProviderException(
                $"Unknown source '{sourceName}'; configured sources are: {string.Join(", ", current.Sources.Keys)}.");
        }

        // The host normally expands {data} when it resolves options; expanding again is harmless.
        return (source, DataDirectory.Expand(source.ConnectionString, current.DataDirectory));
    }
}
