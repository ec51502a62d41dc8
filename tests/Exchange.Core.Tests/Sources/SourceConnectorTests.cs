using System.Net;
using System.Net.Sockets;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Sources;

/// <summary>Connection failures of the real drivers, against a loopback port nobody listens on and a host that does not exist.</summary>
public sealed class SourceConnectorTests
{
    private const string Password = "Secret-Pa55word";

    [Fact]
    public async Task OpenAsync_Oracle_ClosedPort_NamesSourceHostPortAndOraCode_WithoutThePassword()
    {
        var port = ClosedPort();
        var error = await OpenFailingAsync("oracle", $"User Id=exchange;Password={Password};Data Source=//127.0.0.1:{port}/SIPROD;Connect Timeout=5");

        Assert.Equal("ORA-50201", error.DriverCode);
        Assert.Equal($"127.0.0.1:{port}", error.Endpoint);
        Assert.StartsWith($"Cannot connect to source 'prod' (oracle at 127.0.0.1:{port}): ORA-50201: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Check that an Oracle listener runs at 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
        Assert.IsType<Oracle.ManagedDataAccess.Client.OracleException>(error.InnerException);
    }

    [Fact]
    public async Task OpenAsync_Oracle_UnknownHost_SaysTheDataSourceCannotBeResolved()
    {
        var error = await OpenFailingAsync("oracle", $"User Id=exchange;Password={Password};Data Source=//no-such-host.invalid:1521/SIPROD;Connect Timeout=5");

        Assert.StartsWith("ORA-", error.DriverCode, StringComparison.Ordinal);
        Assert.Equal("no-such-host.invalid:1521", error.Endpoint);
        Assert.Contains("no-such-host.invalid:1521", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_SqlServer_ClosedPort_NamesSourceHostPortAndTheProviderError_WithoutThePassword()
    {
        var port = ClosedPort();
        var error = await OpenFailingAsync("sqlserver", $"Server=tcp:127.0.0.1,{port};Database=SI;User Id=exchange;Password={Password};Connect Timeout=5;Encrypt=false");

        Assert.Equal("SQL Server error 0 (TCP Provider, error: 35)", error.DriverCode);
        Assert.Equal($"127.0.0.1:{port}", error.Endpoint);
        Assert.StartsWith($"Cannot connect to source 'prod' (sqlserver at 127.0.0.1:{port}): SQL Server error 0 (TCP Provider, error: 35): ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Check that SQL Server listens on TCP at 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_SqlServer_UnknownHost_NamesTheHost()
    {
        var error = await OpenFailingAsync("sqlserver", $"Server=tcp:no-such-host.invalid,1433;Database=SI;User Id=exchange;Password={Password};Connect Timeout=5;Encrypt=false");

        Assert.StartsWith("SQL Server error ", error.DriverCode, StringComparison.Ordinal);
        Assert.Equal("no-such-host.invalid:1433", error.Endpoint);
        Assert.Contains("no-such-host.invalid:1433", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_Postgres_ClosedPort_NamesTheSocketError()
    {
        var port = ClosedPort();
        var error = await OpenFailingAsync("postgres", $"Host=127.0.0.1;Port={port};Database=si;Username=exchange;Password={Password};Timeout=5");

        Assert.Equal("socket ConnectionRefused", error.DriverCode);
        Assert.Contains($"Check that PostgreSQL listens at 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ReadRole_GoesToTheStandby_AndItsFailureNamesTheStandbysEndpoint()
    {
        var primaryPort = ClosedPort();
        var standbyPort = ClosedPort();
        var connector = Connector(new SourceOptions
        {
            Provider = "sqlserver",
            ConnectionString = $"Server=tcp:127.0.0.1,{primaryPort};Password={Password};Connect Timeout=5;Encrypt=false",
            ReadConnectionString = $"Server=tcp:127.0.0.1,{standbyPort};ApplicationIntent=ReadOnly;Password={Password};Connect Timeout=5;Encrypt=false",
        });

        var read = await Assert.ThrowsAsync<SourceConnectionException>(() => connector.OpenAsync("prod", SourceRole.Read, default));
        var primary = await Assert.ThrowsAsync<SourceConnectionException>(() => connector.OpenAsync("prod", default));

        Assert.Equal($"127.0.0.1:{standbyPort}", read.Endpoint);
        Assert.Equal($"127.0.0.1:{primaryPort}", primary.Endpoint);
        Assert.True(connector.Describe("prod").HasStandby);
    }

    [Fact]
    public void Describe_AnUnknownSource_NamesTheConfiguredOnes()
    {
        var connector = Connector(new SourceOptions { Provider = "sqlite", ConnectionString = "Data Source=x.db" });
        var error = Assert.Throws<SourceProviderException>(() => connector.Describe("nope"));
        Assert.Equal("Unknown source 'nope'; configured sources are: prod.", error.Message);
    }

    private static async Task<SourceConnectionException> OpenFailingAsync(string provider, string connectionString)
    {
        var connector = Connector(new SourceOptions { Provider = provider, ConnectionString = connectionString });
        return await Assert.ThrowsAsync<SourceConnectionException>(() => connector.OpenAsync("prod", default));
    }

    private static SourceConnector Connector(SourceOptions source) =>
        new(new StaticOptionsMonitor<ExchangeOptions>(new ExchangeOptions { Sources = { ["prod"] = source } }));

    // A loopback port that was free a moment ago: connecting to it is refused.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
