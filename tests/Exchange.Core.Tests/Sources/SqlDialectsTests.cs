using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Sources;

public sealed class SqlDialectsTests
{
    [Theory]
    [InlineData(SqlDialect.Sqlite, "AC01", "\"AC01\"")]
    [InlineData(SqlDialect.Postgres, "ac01", "\"ac01\"")]
    [InlineData(SqlDialect.Oracle, "SICP3.AC01", "\"SICP3\".\"AC01\"")]
    [InlineData(SqlDialect.SqlServer, "dbo.AC01", "[dbo].[AC01]")]
    [InlineData(SqlDialect.Oracle, "A$B#1", "\"A$B#1\"")]
    public void Quote_QuotesEachPartForTheDialect(SqlDialect dialect, string identifier, string expected) =>
        Assert.Equal(expected, dialect.Quote(identifier));

    [Theory]
    [InlineData("AC01; DROP TABLE AC01")]
    [InlineData("1AC01")]
    [InlineData("AC\"01")]
    [InlineData("")]
    [InlineData("a..b")]
    public void Quote_RejectsAnythingButPlainIdentifiers_NamingTheValue(string identifier)
    {
        var error = Assert.Throws<ArgumentException>(() => SqlDialect.Postgres.Quote(identifier));
        Assert.Contains($"'{identifier}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SqlDialect.Oracle, ":ts")]
    [InlineData(SqlDialect.Sqlite, "@ts")]
    [InlineData(SqlDialect.Postgres, "@ts")]
    [InlineData(SqlDialect.SqlServer, "@ts")]
    public void Parameter_UsesTheDialectsPrefix(SqlDialect dialect, string expected) =>
        Assert.Equal(expected, dialect.Parameter("ts"));

    [Fact]
    public void AddParameter_SqlServer_SendsADateTimeAsDatetime2_NotTheRoundedDatetime()
    {
        using var command = new Microsoft.Data.SqlClient.SqlCommand();
        var value = new DateTime(2026, 11, 22, 10, 0, 5).AddTicks(1234567);

        var parameter = (Microsoft.Data.SqlClient.SqlParameter)command.AddParameter(SqlDialect.SqlServer, "ts", value);

        Assert.Equal("@ts", parameter.ParameterName);
        Assert.Equal(System.Data.SqlDbType.DateTime2, parameter.SqlDbType);
        Assert.Equal(value, parameter.Value);
    }

    [Fact]
    public void AddParameter_Oracle_BindsByName_AndSendsADateTimeAsTimestamp()
    {
        using var command = new Oracle.ManagedDataAccess.Client.OracleCommand();
        command.UseNamedParameters(SqlDialect.Oracle);

        var parameter = (Oracle.ManagedDataAccess.Client.OracleParameter)command.AddParameter(SqlDialect.Oracle, "ts", new DateTime(2026, 11, 22, 10, 0, 5).AddTicks(1234567));

        Assert.True(command.BindByName);
        Assert.Equal("ts", parameter.ParameterName);
        Assert.Equal(Oracle.ManagedDataAccess.Client.OracleDbType.TimeStamp, parameter.OracleDbType);
    }

    [Theory]
    [InlineData("Date", Oracle.ManagedDataAccess.Client.OracleDbType.Date)]
    [InlineData("TimeStamp", Oracle.ManagedDataAccess.Client.OracleDbType.TimeStamp)]
    public void AddTimestampParameter_Oracle_BindsADateColumnAsDate_SoItsIndexServesTheRange(string columnType, Oracle.ManagedDataAccess.Client.OracleDbType expected)
    {
        using var command = new Oracle.ManagedDataAccess.Client.OracleCommand();
        var parameter = (Oracle.ManagedDataAccess.Client.OracleParameter)command.AddTimestampParameter(SqlDialect.Oracle, "upper", new DateTime(2026, 11, 22, 10, 0, 5), columnType);
        Assert.Equal(expected, parameter.OracleDbType);
    }
}
