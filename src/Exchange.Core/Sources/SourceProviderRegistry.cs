using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Exchange.Core.Sources;

/// <summary>
/// Opens connections by provider name. <c>sqlite</c> and <c>postgres</c> are referenced by the build; the vendor
/// drivers for <c>oracle</c> and <c>sqlserver</c> are loaded at run time from the application folder or the
/// configured providers folder, so an operator adds them without a rebuild.
/// </summary>
public sealed class SourceProviderRegistry
{
    private static readonly ProviderDescriptor[] Descriptors =
    [
        new("sqlite", SqlDialect.Sqlite, null, null, null, null),
        new("postgres", SqlDialect.Postgres, null, null, null, null),
        new("oracle", SqlDialect.Oracle, "Oracle.ManagedDataAccess.dll", "Oracle.ManagedDataAccess.Client.OracleClientFactory", "Oracle.ManagedDataAccess.Core", ""),
        new(
            "sqlserver",
            SqlDialect.SqlServer,
            "Microsoft.Data.SqlClient.dll",
            "Microsoft.Data.SqlClient.SqlClientFactory",
            "Microsoft.Data.SqlClient",
            " Take the platform build (runtimes/unix/lib/<tfm>/ or runtimes/win/lib/<tfm>/ in the package), not the stub under lib/."),
    ];

    private readonly string[] _searchDirectories;
    private readonly ConcurrentDictionary<string, DbProviderFactory> _factories = new(StringComparer.Ordinal);

    /// <summary>Creates a registry that looks for vendor assemblies in the application folder, then <paramref name="providersDirectory"/>.</summary>
    /// <param name="providersDirectory"><c>ExchangeOptions.ProvidersDirectory</c>, already resolved to a path; null or empty for none.</param>
    /// <param name="applicationDirectory">The application folder; defaults to <see cref="AppContext.BaseDirectory"/>.</param>
    public SourceProviderRegistry(string? providersDirectory, string? applicationDirectory = null)
    {
        var directories = new List<string> { Path.GetFullPath(applicationDirectory ?? AppContext.BaseDirectory) };
        if (!string.IsNullOrWhiteSpace(providersDirectory))
        {
            var full = Path.GetFullPath(providersDirectory);
            if (!directories.Contains(full, StringComparer.Ordinal))
            {
                directories.Add(full);
            }
        }

        _searchDirectories = [.. directories];
    }

    /// <summary>The accepted provider names.</summary>
    public static IReadOnlyList<string> ProviderNames { get; } = Array.ConvertAll(Descriptors, d => d.Name);

    /// <summary>The folders searched for vendor assemblies, in order.</summary>
    public IReadOnlyList<string> SearchDirectories => _searchDirectories;

    /// <summary>The SQL dialect of a provider.</summary>
    /// <exception cref="SourceProviderException">The name is not one of <see cref="ProviderNames"/>.</exception>
    public static SqlDialect GetDialect(string provider) => Find(provider).Dialect;

    /// <summary>The provider's ADO.NET factory, loading the vendor assembly on first use.</summary>
    /// <exception cref="SourceProviderException">Unknown name, or the vendor assembly is missing or unusable.</exception>
    public DbProviderFactory GetFactory(string provider)
    {
        var descriptor = Find(provider);
        return _factories.GetOrAdd(descriptor.Name, _ => Load(descriptor));
    }

    /// <summary>A new, closed connection with the connection string set.</summary>
    public DbConnection CreateConnection(string provider, string connectionString)
    {
        var connection = GetFactory(provider).CreateConnection()
            ?? throw new SourceProviderException($"Provider '{provider}' returned no connection object.");
        connection.ConnectionString = connectionString;
        return connection;
    }

    /// <summary>A new, open connection. The caller disposes it.</summary>
    public async Task<DbConnection> OpenAsync(string provider, string connectionString, CancellationToken cancellationToken)
    {
        var connection = CreateConnection(provider, connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ProviderDescriptor Find(string provider) =>
        Array.Find(Descriptors, d => string.Equals(d.Name, provider, StringComparison.Ordinal))
        ?? throw new SourceProviderException(
            $"Unknown provider '{provider}'; accepted provider names are: {string.Join(", ", ProviderNames)}.");

    private DbProviderFactory Load(ProviderDescriptor descriptor)
    {
        switch (descriptor.Dialect)
        {
            case SqlDialect.Sqlite:
                return SqliteFactory.Instance;
            case SqlDialect.Postgres:
                return NpgsqlFactory.Instance;
        }

        var assembly = LoadFromSearchDirectories(descriptor);
        var type = assembly.GetType(descriptor.FactoryType!, throwOnError: false)
            ?? throw new SourceProviderException(
                $"{assembly.Location} does not contain {descriptor.FactoryType}; install the driver from the {descriptor.Package} package.");
        var field = type.GetField("Instance", BindingFlags.Public | BindingFlags.Static);
        return field?.GetValue(null) as DbProviderFactory
            ?? throw new SourceProviderException($"{descriptor.FactoryType} has no public static Instance field of type DbProviderFactory.");
    }

    private Assembly LoadFromSearchDirectories(ProviderDescriptor descriptor)
    {
        foreach (var directory in _searchDirectories)
        {
            var path = Path.Combine(directory, descriptor.AssemblyFile!);
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                // LoadFrom also resolves the driver's own dependencies from the same folder.
                return Assembly.LoadFrom(path);
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException)
            {
                throw new SourceProviderException(
                    $"Provider '{descriptor.Name}': {path} could not be loaded ({ex.Message}); replace it with the .NET build of the {descriptor.Package} package.",
                    ex);
            }
        }

        throw new SourceProviderException(
            $"Provider '{descriptor.Name}' needs {descriptor.AssemblyFile}, which was not found in: {string.Join("; ", _searchDirectories)}. " +
            $"Copy {descriptor.AssemblyFile} (and its dependencies) from the {descriptor.Package} package into {_searchDirectories[^1]}, " +
            "or set Exchange:ProvidersDirectory to the folder that holds it." + descriptor.Hint);
    }

    private sealed record ProviderDescriptor(string Name, SqlDialect Dialect, string? AssemblyFile, string? FactoryType, string? Package, string? Hint);
}
