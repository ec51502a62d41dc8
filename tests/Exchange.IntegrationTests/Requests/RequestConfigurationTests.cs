using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Requests;

/// <summary>Request types in schedule.json are checked by the real executable's <c>check-config</c> and <c>run</c>.</summary>
public sealed class RequestConfigurationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();

    [Fact]
    public async Task CheckConfig_NamesABadRequestTypeFieldWithItsValue()
    {
        var types = _config.Schedule["RequestTypes"]!["Types"]!.AsArray();
        types[0]!["Query"] = "SELECT * FROM AC01 WHERE AAC002 = :idNumber";
        types[1]!["Source"] = "prod";
        _config.Schedule["RequestTypes"]!["WorkerInterval"] = "-00:00:01";

        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());

        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("schedule.json: RequestTypes:WorkerInterval: must be between 00:00:00 (worker off) and 1.00:00:00, was -00:00:01", run.Output, StringComparison.Ordinal);
        Assert.Contains("schedule.json: RequestTypes:Types:0:Query: has no placeholder @idNumber for declared parameter 'idNumber' (source 'demo' is sqlite)", run.Output, StringComparison.Ordinal);
        Assert.Contains("schedule.json: RequestTypes:Types:1:Source: must name a source in appsettings.json (demo), was 'prod'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithABadRequestType_RefusesToStart()
    {
        _config.Schedule["RequestTypes"]!["Types"]![0]!["InfNo"] = "11 01";
        await using var run = ExchangeProcess.Start("run", "--config", _config.Write());
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("RequestTypes:Types:0:InfNo: must be 1 to 32 letters", run.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _config.Dispose();
}
