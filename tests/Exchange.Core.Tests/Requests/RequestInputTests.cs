using Exchange.Core.Requests;

namespace Exchange.Core.Tests.Requests;

public sealed class RequestInputTests
{
    private const string ValidId = "44030519590706679X";

    private static RequestTypeOptions Settlements() => new()
    {
        InfNo = "2101",
        Parameters =
        [
            new RequestParameterOptions { Name = "idNumber", Type = RequestParameterType.IdentityNumber },
            new RequestParameterOptions { Name = "from", Type = RequestParameterType.Date },
            new RequestParameterOptions { Name = "to", Type = RequestParameterType.Date },
            new RequestParameterOptions { Name = "limit", Type = RequestParameterType.Integer, Optional = true },
            new RequestParameterOptions { Name = "hospital", Type = RequestParameterType.String, Pattern = "H[0-9]{11}", Optional = true },
        ],
    };

    private static string Refused(string input, int maxChars = 4096) =>
        Assert.Throws<RequestInputException>(() => RequestInput.Parse(Settlements(), input, maxChars)).Message;

    [Fact]
    public void Parse_BindsTypedValues_AndStoresACanonicalFormInDeclarationOrder()
    {
        var input = RequestInput.Parse(Settlements(), """{ "to": "2026-12-31", "idNumber": "44030519590706679x", "from": "2026-01-01", "limit": 5 }""", 4096);

        Assert.Equal("""{"idNumber":"44030519590706679X","from":"2026-01-01","to":"2026-12-31","limit":5}""", input.Canonical);
        Assert.Equal(ValidId, input.Values["idNumber"]);
        Assert.Equal(new DateOnly(2026, 1, 1), input.Values["from"]);
        Assert.Equal(5L, input.Values["limit"]);
        Assert.Null(input.Values["hospital"]);
    }

    [Fact]
    public void Parse_MasksAnIdentityNumberSentInAFreeTextParameter_WhenEchoingItInTheRefusal()
    {
        var message = Refused($$"""{"idNumber":"{{ValidId}}","from":"2026-01-01","to":"2026-12-31","hospital":"{{ValidId}}"}""");

        Assert.Contains("'hospital'", message, StringComparison.Ordinal);
        Assert.Contains("does not match the pattern H[0-9]{11}, was '440305********679X'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(ValidId, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GivesTheSameHashForTheSameContentWrittenDifferently_AndAnotherForOtherContent()
    {
        var a = RequestInput.Parse(Settlements(), $$"""{"idNumber":"{{ValidId}}","from":"2026-01-01","to":"2026-12-31"}""", 4096);
        var b = RequestInput.Parse(Settlements(), $$"""{ "to":"2026-12-31",  "from":"2026-01-01", "idNumber":"{{ValidId}}" }""", 4096);
        var c = RequestInput.Parse(Settlements(), $$"""{"idNumber":"{{ValidId}}","from":"2026-01-02","to":"2026-12-31"}""", 4096);

        Assert.Equal(a.Sha256, b.Sha256);
        Assert.NotEqual(a.Sha256, c.Sha256);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"idNumber":"44030519590706679X","from":"2026-01-01"}""", "lacks parameter 'to'")]
    [InlineData("""{"idNumber":"44030519590706679X","from":"2026-01-01","to":"2026-12-31","sql":"1"}""", "property 'sql'")]
    [InlineData("""{"idNumber":440305195907066790,"from":"2026-01-01","to":"2026-12-31"}""", "must be an 18-character identity number as a JSON string, was a JSON number")]
    [InlineData("""{"idNumber":"440305195907066791","from":"2026-01-01","to":"2026-12-31"}""", "not a valid identity number ('440305********6791')")]
    [InlineData("""{"idNumber":"' OR '1'='1","from":"2026-01-01","to":"2026-12-31"}""", "not a valid identity number")]
    [InlineData("""{"idNumber":"44030519590706679X","from":"2026-13-01","to":"2026-12-31"}""", "must be a date yyyy-MM-dd, was '2026-13-01'")]
    [InlineData("""{"idNumber":"44030519590706679X","from":"2026-01-01","to":"2026-12-31","limit":1.5}""", "must be a JSON integer")]
    [InlineData("""{"idNumber":"44030519590706679X","from":"2026-01-01","to":"2026-12-31","hospital":"H1'; DROP TABLE KC24;--"}""", "does not match the pattern")]
    [InlineData("""{"idNumber":{"a":{"b":{"c":{"d":1}}}},"from":"2026-01-01","to":"2026-12-31"}""", "not valid JSON")]
    public void Parse_RefusesInputThatDoesNotFit_NamingWhatWasWrong(string input, string expected)
    {
        Assert.Contains(expected, Refused(input), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesOversizedInput_BeforeReadingIt()
    {
        var message = Refused("{\"x\":\"" + new string('a', 5000) + "\"}");
        Assert.Equal("Input is 5008 characters; at most 4096 are accepted.", message);
    }

    [Fact]
    public void Parse_RefusesATextLongerThanTheParameterAllows()
    {
        var type = new RequestTypeOptions { InfNo = "1", Parameters = [new RequestParameterOptions { Name = "name", MaxLength = 4 }] };
        var error = Assert.Throws<RequestInputException>(() => RequestInput.Parse(type, """{"name":"张三李四王"}""", 100));
        Assert.Contains("is 5 characters; at most 4", error.Message, StringComparison.Ordinal);
    }
}
