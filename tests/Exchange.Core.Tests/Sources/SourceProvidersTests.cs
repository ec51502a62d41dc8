using Exchange.Core.Sources;
using Microsoft.Data.SqlClient;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Tests.Sources;

public sealed class SourceProvidersTests
{
    [Theory]
    [InlineData("sqlite", SqlDialect.Sqlite)]
    [InlineData("postgres", SqlDialect.Postgres)]
    [InlineData("oracle", SqlDialect.Oracle)]
    [InlineData("sqlserver", SqlDialect.SqlServer)]
    public void GetDialect_MapsEachProvider(string provider, SqlDialect dialect) =>
        Assert.Equal(dialect, SourceProviders.GetDialect(provider));

    [Fact]
    public void Names_AreTheFourBuiltInProviders() =>
        Assert.Equal(["sqlite", "postgres", "oracle", "sqlserver"], SourceProviders.Names);

    [Fact]
    public void GetFactory_ReturnsTheReferencedDrivers_WithoutAnyFolder()
    {
        Assert.Same(OracleClientFactory.Instance, SourceProviders.GetFactory("oracle"));
        Assert.Same(SqlClientFactory.Instance, SourceProviders.GetFactory("sqlserver"));
    }

    [Fact]
    public void GetDialect_AnUnknownName_NamesItAndTheFourKnownOnes()
    {
        var error = Assert.Throws<SourceProviderException>(() => SourceProviders.GetDialect("mysql"));
        Assert.Equal("Unknown provider 'mysql'; accepted provider names are: sqlite, postgres, oracle, sqlserver.", error.Message);
    }

    [Fact]
    public void CreateConnection_SetsTheConnectionString()
    {
        using var connection = SourceProviders.CreateConnection("sqlserver", "Server=tcp:sql1,1433;Database=SI");
        Assert.IsType<SqlConnection>(connection);
        Assert.Equal("sql1,1433", connection.DataSource.Replace("tcp:", "", StringComparison.Ordinal));
    }
}
