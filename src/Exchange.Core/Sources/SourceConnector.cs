using System.Data.Common;
using System.Net.Sockets;
using Exchange.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Sources;

/// <summary>A configured source as the engines see it: its dialect, time zone and log-safe descriptions.</summary>
/// <param name="Name">The source's configured name.</param>
/// <param name="Provider">The provider name.</param>
/// <param name="Dialect">The provider's dialect.</param>
/// <param name="TimeZoneOffset">The offset its local timestamps are written in.</param>
/// <param name="Description"><c>server@database</c> of the primary.</param>
/// <param name="StandbyDescription"><c>server@database</c> of the standby, or null when reads go to the primary.</param>
/// <param name="ProbeOn">Which servers the load probes measure when there is a standby.</param>
/// <param name="MaxReplicaLag">The replica lag above which the source's datasets are held.</param>
public sealed record SourceInfo(
    string Name,
    string Provider,
    SqlDialect Dialect,
    TimeSpan TimeZoneOffset,
    string Description,
    string? StandbyDescription = null,
    ProbeTarget ProbeOn = ProbeTarget.Primary,
    TimeSpan MaxReplicaLag = default)
{
    /// <summary>True when extraction and request queries read a standby.</summary>
    public bool HasStandby => StandbyDescription is not null;
}

/// <summary>Opens connections to the sources configured in <see cref="ExchangeOptions.Sources"/>.</summary>
public sealed class SourceConnector(IOptionsMonitor<ExchangeOptions> options)
{
    /// <summary>The configured source, or an error naming the unknown source and the configured ones.</summary>
    /// <exception cref="SourceProviderException">Unknown source name or provider name.</exception>
    public SourceInfo Describe(string sourceName)
    {
        var (source, connectionString, readConnectionString) = Find(sourceName);
        var dialect = SourceProviders.GetDialect(source.Provider);
        return new SourceInfo(
            sourceName,
            source.Provider,
            dialect,
            source.TimeZoneOffset,
            ConnectionStringDescriber.Describe(dialect, connectionString),
            readConnectionString is null ? null : ConnectionStringDescriber.Describe(dialect, readConnectionString),
            source.ProbeOn,
            source.MaxReplicaLag);
    }

    /// <summary>Opens a new connection to the named source's primary. The caller disposes it.</summary>
    /// <exception cref="SourceConnectionException">The server cannot be reached or refused the login.</exception>
    public Task<DbConnection> OpenAsync(string sourceName, CancellationToken cancellationToken) =>
        OpenAsync(sourceName, SourceRole.Primary, cancellationToken);

    /// <summary>Opens a new connection to the named source's primary or, for <see cref="SourceRole.Read"/>, its standby if it has one.</summary>
    /// <exception cref="SourceConnectionException">The server cannot be reached or refused the login.</exception>
    public async Task<DbConnection> OpenAsync(string sourceName, SourceRole role, CancellationToken cancellationToken)
    {
        var (source, primary, standby) = Find(sourceName);
        var dialect = SourceProviders.GetDialect(source.Provider);
        var connectionString = role == SourceRole.Read && standby is not null ? standby : primary;

        // Named sessions: the load probes leave the daemon's own work out of what they count.
        var connection = SourceProviders.CreateConnection(source.Provider, Load.SessionNaming.Apply(dialect, connectionString));
        try
        {
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is DbException or SocketException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                throw DriverErrors.Describe(sourceName, dialect, connectionString, error);
            }

            await SourceSessions.PrepareAsync(connection, dialect, source.Isolation, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private (SourceOptions Source, string ConnectionString, string? ReadConnectionString) Find(string sourceName)
    {
        var current = options.CurrentValue;
        if (!current.Sources.TryGetValue(sourceName, out var source))
        {
            throw new SourceProviderException(
                $"Unknown source '{sourceName}'; configured sources are: {string.Join(", ", current.Sources.Keys)}.");
        }

        // The host normally expands {data} when it resolves options; expanding again is harmless.
        var read = string.IsNullOrWhiteSpace(source.ReadConnectionString) ? null : DataDirectory.Expand(source.ReadConnectionString, current.DataDirectory);
        return (source, DataDirectory.Expand(source.ConnectionString, current.DataDirectory), read);
    }
}
