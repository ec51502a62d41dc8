using Exchange.Core.Configuration;
using Exchange.Core.Requests;

namespace Exchange.Core.Tests.Requests;

public sealed class RequestTypesValidatorTests
{
    private static readonly Dictionary<string, SourceOptions> Sources = new()
    {
        ["demo"] = new SourceOptions { Provider = "sqlite", ConnectionString = "Data Source=x.db" },
        ["prod"] = new SourceOptions { Provider = "oracle", ConnectionString = "Data Source=prod" },
    };

    private static RequestTypeOptions Enrolment(string source = "demo", string query = "SELECT * FROM AC01 WHERE AAC002 = @idNumber") => new()
    {
        InfNo = "1101",
        Source = source,
        Query = query,
        Parameters = [new RequestParameterOptions { Name = "idNumber", Type = RequestParameterType.IdentityNumber }],
    };

    private static List<string> Problems(RequestTypesOptions options) =>
        [.. RequestTypesValidator.Validate(options, Sources).Select(p => p.ToString())];

    [Fact]
    public void Validate_AcceptsTheShippedKindOfConfiguration()
    {
        Assert.Empty(Problems(new RequestTypesOptions { Types = [Enrolment(), new RequestTypeOptions { InfNo = "9001", Mode = RequestAnswerMode.External }] }));
    }

    [Fact]
    public void Validate_ChecksPlaceholdersInTheSourcesDialect()
    {
        Assert.Empty(Problems(new RequestTypesOptions { Types = [Enrolment("prod", "SELECT * FROM AC01 WHERE AAC002 = :idNumber AND AAE036 > '12:30'")] }));

        var problems = Problems(new RequestTypesOptions { Types = [Enrolment("prod")] });

        Assert.Contains("schedule.json: RequestTypes:Types:0:Query: has no placeholder :idNumber for declared parameter 'idNumber' (source 'prod' is oracle)", problems);
    }

    [Fact]
    public void Validate_RefusesAnUndeclaredPlaceholder_ButNotOneInsideALiteral()
    {
        var problems = Problems(new RequestTypesOptions { Types = [Enrolment(query: "SELECT '@x' FROM AC01 WHERE AAC002 = @idNumber AND AAC003 = @name")] });

        Assert.Equal(["schedule.json: RequestTypes:Types:0:Query: uses placeholder @name, which is not a declared parameter (idNumber)"], problems);
    }

    [Fact]
    public void Validate_NamesEveryBadFieldWithItsValue()
    {
        var bad = Enrolment(source: "nowhere");
        bad.InfNo = "11 01";
        bad.Timeout = TimeSpan.FromMinutes(5);
        bad.Expiry = TimeSpan.FromMinutes(1);
        bad.Parameters.Add(new RequestParameterOptions { Name = "idNumber", Pattern = "[" });
        var options = new RequestTypesOptions { WorkerInterval = TimeSpan.FromSeconds(-1), MaxAttempts = 0, Types = [bad, Enrolment(), Enrolment()] };

        var problems = Problems(options);

        Assert.Contains("schedule.json: RequestTypes:WorkerInterval: must be between 00:00:00 (worker off) and 1.00:00:00, was -00:00:01", problems);
        Assert.Contains("schedule.json: RequestTypes:MaxAttempts: must be between 1 and 100, was 0", problems);
        Assert.Contains("schedule.json: RequestTypes:Types:0:InfNo: must be 1 to 32 letters, digits, '_', '.' or '-', was '11 01'", problems);
        Assert.Contains("schedule.json: RequestTypes:Types:0:Source: must name a source in appsettings.json (demo, prod), was 'nowhere'", problems);
        Assert.Contains("schedule.json: RequestTypes:Types:0:Expiry: must be longer than Timeout (00:05:00), was 00:01:00", problems);
        Assert.Contains("schedule.json: RequestTypes:Types:0:Timeout: must be shorter than LeaseTime (00:02:00), or a running query could be taken over; was 00:05:00", problems);
        Assert.Contains("schedule.json: RequestTypes:Types:0:Parameters:1:Name: 'idNumber' is declared twice; parameter names must be unique", problems);
        Assert.Contains(problems, p => p.StartsWith("schedule.json: RequestTypes:Types:0:Parameters:1:Pattern: '[' is not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains("schedule.json: RequestTypes:Types:2:InfNo: '1101' is configured twice; function codes must be unique", problems);
    }
}
