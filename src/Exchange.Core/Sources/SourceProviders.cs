using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Sources;

/// <summary>The four source providers the build references, by the name a source's <c>Provider</c> gives.</summary>
public static class SourceProviders
{
    private static readonly (string Name, SqlDialect Dialect, DbProviderFactory Factory)[] Known =
    [
        ("sqlite", SqlDialect.Sqlite, SqliteFactory.Instance),
        ("postgres", SqlDialect.Postgres, NpgsqlFactory.Instance),
        ("oracle", SqlDialect.Oracle, OracleClientFactory.Instance),
        ("sqlserver", SqlDialect.SqlServer, SqlClientFactory.Instance),
    ];

    /// <summary>The accepted provider names.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(Known, p => p.Name);

    /// <summary>The SQL dialect of a provider.</summary>
    /// <exception cref="SourceProviderException">The name is not one of <see cref="Names"/>.</exception>
    public static SqlDialect GetDialect(string provider) => Find(provider).Dialect;

    /// <summary>The provider's ADO.NET factory.</summary>
    /// <exception cref="SourceProviderException">The name is not one of <see cref="Names"/>.</exception>
    public static DbProviderFactory GetFactory(string provider) => Find(provider).Factory;

    /// <summary>A new, closed connection with the connection string set.</summary>
    /// <exception cref="SourceProviderException">The name is not one of <see cref="Names"/>.</exception>
    public static DbConnection CreateConnection(string provider, string connectionString)
    {
        var connection = GetFactory(provider).CreateConnection()
            ?? throw new SourceProviderException($"Provider '{provider}' returned no connection object.");
        connection.ConnectionString = connectionString;
        return connection;
    }

    private static (string Name, SqlDialect Dialect, DbProviderFactory Factory) Find(string provider)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known.Name, provider, StringComparison.Ordinal))
            {
                return known;
            }
        }

        throw new SourceProviderException(
            $"Unknown provider '{provider}'; accepted provider names are: {string.Join(", ", Names)}.");
    }
}
