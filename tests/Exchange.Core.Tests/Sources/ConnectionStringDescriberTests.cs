using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Sources;

public sealed class ConnectionStringDescriberTests
{
    [Theory]
    [InlineData(SqlDialect.Postgres, "Host=db1;Port=5432;Database=si;Username=ex;Password=secret", "db1@si")]
    [InlineData(SqlDialect.SqlServer, "Server=tcp:sql1,1433;Initial Catalog=SI;User ID=ex;Password=secret", "sql1@SI")]
    [InlineData(SqlDialect.SqlServer, "Data Source=sql1\\PROD;Database=SI;Password=secret", "sql1\\PROD@SI")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=//ora1:1521/SIPROD", "ora1@SIPROD")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora2)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=si)))", "ora2@si")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=SIPROD", "tns@SIPROD")]
    [InlineData(SqlDialect.Sqlite, "Data Source=/var/lib/exchange/demo.db", "sqlite@demo.db")]
    public void Describe_KeepsOnlyServerAndDatabase(SqlDialect dialect, string connectionString, string expected)
    {
        var description = ConnectionStringDescriber.Describe(dialect, connectionString);
        Assert.Equal(expected, description);
        Assert.DoesNotContain("secret", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_AnUnparseableString_DoesNotEchoIt()
    {
        var description = ConnectionStringDescriber.Describe(SqlDialect.Postgres, "Host=db1;Password='secret");
        Assert.DoesNotContain("secret", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SqlDialect.Postgres, "Host=db1;Database=si;Password=secret", "db1:5432")]
    [InlineData(SqlDialect.Postgres, "Host=db1;Port=5433;Database=si", "db1:5433")]
    [InlineData(SqlDialect.SqlServer, "Server=tcp:sql1,14330;Initial Catalog=SI;Password=secret", "sql1:14330")]
    [InlineData(SqlDialect.SqlServer, "Server=sql1;Initial Catalog=SI", "sql1:1433")]
    [InlineData(SqlDialect.SqlServer, "Data Source=sql1\\PROD;Database=SI", "sql1\\PROD")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=//ora1:1522/SIPROD", "ora1:1522")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=ora1/SIPROD", "ora1:1521")]
    [InlineData(SqlDialect.Oracle, "Data Source=(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora2)(PORT=1525))(CONNECT_DATA=(SERVICE_NAME=si)))", "ora2:1525")]
    [InlineData(SqlDialect.Oracle, "User Id=ex;Password=secret;Data Source=SIPROD", "TNS alias SIPROD")]
    public void Endpoint_IsHostAndPort_WithTheDriversDefaultPort(SqlDialect dialect, string connectionString, string expected)
    {
        var endpoint = ConnectionStringDescriber.Endpoint(dialect, connectionString);
        Assert.Equal(expected, endpoint);
        Assert.DoesNotContain("secret", endpoint, StringComparison.Ordinal);
    }
}
