using Exchange.Core.Sources;
using Exchange.Core.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Exchange.Core.Tests.Sources;

public sealed class SourceProviderRegistryTests : IDisposable
{
    private readonly TempDirectory _app = new();
    private readonly TempDirectory _providers = new();

    [Fact]
    public void GetFactory_UnknownName_ListsTheAcceptedNames()
    {
        var registry = new SourceProviderRegistry(null, _app.Path);
        var error = Assert.Throws<SourceProviderException>(() => registry.GetFactory("mysql"));
        Assert.Contains("'mysql'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite, postgres, oracle, sqlserver", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFactory_ReferencedProviders_NeedNoFolder()
    {
        var registry = new SourceProviderRegistry(null, _app.Path);
        Assert.Same(SqliteFactory.Instance, registry.GetFactory("sqlite"));
        Assert.Same(NpgsqlFactory.Instance, registry.GetFactory("postgres"));
    }

    [Fact]
    public void GetFactory_MissingOracleAssembly_NamesTheFileTheFoldersAndThePackage()
    {
        var registry = new SourceProviderRegistry(_providers.Path, _app.Path);
        var error = Assert.Throws<SourceProviderException>(() => registry.GetFactory("oracle"));
        Assert.Contains("Oracle.ManagedDataAccess.dll", error.Message, StringComparison.Ordinal);
        Assert.Contains(_app.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains(_providers.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"from the Oracle.ManagedDataAccess.Core package into {_providers.Path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFactory_MissingSqlClientAssembly_NamesTheFile()
    {
        var registry = new SourceProviderRegistry(null, _app.Path);
        var error = Assert.Throws<SourceProviderException>(() => registry.GetFactory("sqlserver"));
        Assert.Contains("Microsoft.Data.SqlClient.dll", error.Message, StringComparison.Ordinal);
        Assert.Contains(_app.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFactory_AnAssemblyThatIsNotADriver_SaysItCouldNotBeLoaded()
    {
        File.WriteAllText(Path.Combine(_providers.Path, "Oracle.ManagedDataAccess.dll"), "not an assembly");
        var registry = new SourceProviderRegistry(_providers.Path, _app.Path);
        var error = Assert.Throws<SourceProviderException>(() => registry.GetFactory("oracle"));
        Assert.Contains("could not be loaded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFactory_LoadsTheVendorFactoryFromTheProvidersFolder_AndReadsItsInstanceField()
    {
        FakeDriverAssembly.Write(
            Path.Combine(_providers.Path, "Oracle.ManagedDataAccess.dll"), "Oracle.ManagedDataAccess", "Oracle.ManagedDataAccess.Client.OracleClientFactory");
        var registry = new SourceProviderRegistry(_providers.Path, _app.Path);

        var factory = registry.GetFactory("oracle");

        Assert.Equal("Oracle.ManagedDataAccess.Client.OracleClientFactory", factory.GetType().FullName);
        Assert.Equal(Path.Combine(_providers.Path, "Oracle.ManagedDataAccess.dll"), factory.GetType().Assembly.Location);
        Assert.Same(factory, registry.GetFactory("oracle"));
    }

    [Theory]
    [InlineData("sqlite", SqlDialect.Sqlite)]
    [InlineData("postgres", SqlDialect.Postgres)]
    [InlineData("oracle", SqlDialect.Oracle)]
    [InlineData("sqlserver", SqlDialect.SqlServer)]
    public void GetDialect_MapsEachProvider(string provider, SqlDialect dialect) =>
        Assert.Equal(dialect, SourceProviderRegistry.GetDialect(provider));

    [Fact]
    public async Task OpenAsync_Sqlite_ReturnsAnOpenConnection()
    {
        var registry = new SourceProviderRegistry(null, _app.Path);
        await using var connection = await registry.OpenAsync("sqlite", $"Data Source={_app.File("x.db")}", default);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    public void Dispose()
    {
        _app.Dispose();
        _providers.Dispose();
    }
}
