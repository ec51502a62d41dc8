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
}
