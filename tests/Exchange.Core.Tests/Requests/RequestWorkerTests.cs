using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Exchange.Core.Sources;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Requests;

/// <summary>The worker against a real SQLite source file and the real SQLite staging store.</summary>
public sealed class RequestWorkerTests : IDisposable
{
    private const string PersonId = "44030519590706679X";
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
    private readonly TestStaging _store;
    private readonly ExchangeOptions _options;
    private readonly ScheduleOptions _schedule = new();

    public RequestWorkerTests()
    {
        _store = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", _clock);
        _options = new ExchangeOptions { DataDirectory = _folder.Path };
        _options.Sources["src"] = new SourceOptions { Provider = "sqlite", ConnectionString = "Data Source={data}/source.db", TimeZoneOffset = TimeSpan.FromHours(8) };
        _schedule.RequestTypes.MaxAttempts = 2;
        _schedule.RequestTypes.Types.Add(new RequestTypeOptions
        {
            InfNo = "2101",
            Source = "src",
            Query = "SELECT AKC190, AKC194, AKC264, AAC002 FROM KC24 WHERE AAC002 = @idNumber AND AKC194 BETWEEN @from AND @to ORDER BY AKC190",
            Parameters =
            [
                new RequestParameterOptions { Name = "idNumber", Type = RequestParameterType.IdentityNumber },
                new RequestParameterOptions { Name = "from", Type = RequestParameterType.Date },
                new RequestParameterOptions { Name = "to", Type = RequestParameterType.Date },
            ],
            Columns = ["AKC190", "AKC194", "AKC264"],
            MaxRows = 3,
        });
    }

    [Fact]
    public async Task Run_AnswersPendingRequestsOldestFirst_WithTheBoundQuerysRowsAsJson()
    {
        await CreateSourceAsync();
        await SubmitAsync("m1", "2026-01-01", "2026-06-30");
        await SubmitAsync("m2", "2026-07-01", "2026-07-31");

        var result = await Worker().RunAsync(default);

        Assert.Equal(new RequestWorkerResult(2, 0, 0, 0), result);
        var first = await _store.Requests.GetResponseAsync("ins", "m1", false, default);
        Assert.Equal(RequestStatus.Completed, first!.Request.Status);
        using var rows = JsonDocument.Parse(first.Answer!.Output!);
        Assert.Equal(
            ["""{"AKC190":"V1","AKC194":"2026-01-15","AKC264":1234.5}""", """{"AKC190":"V2","AKC194":"2026-03-01","AKC264":88}"""],
            rows.RootElement.EnumerateArray().Select(r => r.GetRawText()));
        Assert.Equal("[]", (await _store.Requests.GetResponseAsync("ins", "m2", false, default))!.Answer!.Output);
    }

    [Fact]
    public async Task Run_ClaimsNothing_WhileTheGateIsBusy_UnlessRequestsMayPassABusyGate()
    {
        await CreateSourceAsync();
        await SubmitAsync("m1", "2026-01-01", "2026-06-30");
        var busy = new FixedGate(new GateDecision(GateState.Busy, "cpu 90 %"));

        Assert.Equal(new RequestWorkerResult(0, 0, 0, 1), await Worker(busy).RunAsync(default));
        Assert.Equal(RequestStatus.Pending, (await _store.Requests.GetResponseAsync("ins", "m1", false, default))!.Request.Status);

        _schedule.RequestTypes.GateMode = RequestGateMode.NotHibernating;
        Assert.Equal(1, (await Worker(busy).RunAsync(default)).Answered);
        Assert.Equal(0, (await Worker(new FixedGate(new GateDecision(GateState.Hibernating, "critical"))).RunAsync(default)).Answered);
    }

    [Fact]
    public async Task Run_FailsARequestThatKeepsFailing_AfterMaxAttempts_WithAMessageThatHidesTheSql()
    {
        // No source tables: every attempt fails inside the provider.
        await using (var connection = new SqliteConnection($"Data Source={_folder.File("source.db")}"))
        {
            await connection.OpenAsync();
        }

        await SubmitAsync("m1", "2026-01-01", "2026-06-30");
        Assert.Equal(new RequestWorkerResult(0, 1, 0, 0), await Worker().RunAsync(default));
        Assert.Equal(RequestStatus.Pending, (await _store.Requests.GetResponseAsync("ins", "m1", false, default))!.Request.Status);

        Assert.Equal(new RequestWorkerResult(1, 0, 0, 0), await Worker().RunAsync(default));

        var failed = await _store.Requests.GetResponseAsync("ins", "m1", false, default);
        Assert.Equal((RequestStatus.Failed, 2, -1), (failed!.Request.Status, failed.Request.Attempts, failed.Answer!.InfCode));
        Assert.Equal("The social-security side could not answer function 2101 (tried 2 of 2 times); submit the request again later with a new MsgId.", failed.Answer.ErrMsg);
    }

    [Fact]
    public async Task Run_AnswersWithAFailure_WhenTheResultHasMoreRowsThanTheFunctionReturns()
    {
        await CreateSourceAsync();
        await SubmitAsync("m1", "2020-01-01", "2030-12-31");
        await ExecuteSourceAsync($"INSERT INTO KC24 VALUES ('V4', '{PersonId}', '2026-02-01', 1), ('V5', '{PersonId}', '2026-02-02', 1)");

        await Worker().RunAsync(default);

        var answer = (await _store.Requests.GetResponseAsync("ins", "m1", false, default))!.Answer!;
        Assert.Equal((-1, "The answer has more than 3 rows, more than function 2101 returns; narrow the request."), (answer.InfCode, answer.ErrMsg));
    }

    [Fact]
    public async Task Run_ExpiresRequestsPastTheirExpiry_InsteadOfAnsweringThem()
    {
        await CreateSourceAsync();
        await SubmitAsync("m1", "2026-01-01", "2026-06-30");
        _clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(new RequestWorkerResult(0, 0, 1, 0), await Worker().RunAsync(default));
        Assert.Equal(RequestStatus.Expired, (await _store.Requests.GetResponseAsync("ins", "m1", false, default))!.Request.Status);
    }

    public void Dispose() => _folder.Dispose();

    private RequestWorker Worker(ILoadGate? gate = null) => new(
        _store.Requests,
        gate ?? new AlwaysOpenLoadGate(),
        new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(_options)),
        new StaticOptionsMonitor<ScheduleOptions>(_schedule),
        NullLogger<RequestWorker>.Instance);

    private async Task SubmitAsync(string msgId, string from, string to)
    {
        await _store.MigrateAsync(default);
        var type = _schedule.RequestTypes.Types[0];
        var input = RequestInput.Parse(type, $$"""{"idNumber":"{{PersonId}}","from":"{{from}}","to":"{{to}}"}""", 4096);
        await _store.Requests.SubmitRequestAsync(new NewRequest("ins", msgId, type.InfNo, input.Canonical, input.Sha256, type.Expiry), default);
        _clock.Advance(TimeSpan.FromSeconds(1));
    }

    private async Task CreateSourceAsync()
    {
        await ExecuteSourceAsync("CREATE TABLE KC24 (AKC190 TEXT PRIMARY KEY, AAC002 TEXT NOT NULL, AKC194 TEXT NOT NULL, AKC264 NUMERIC(14,2) NOT NULL)");
        await ExecuteSourceAsync(
            $"INSERT INTO KC24 VALUES ('V1', '{PersonId}', '2026-01-15', 1234.50), ('V2', '{PersonId}', '2026-03-01', 88.00), ('V3', '110101199003070012', '2026-02-01', 5)");
    }

    private async Task ExecuteSourceAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("source.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private sealed class FixedGate(GateDecision decision) : ILoadGate
    {
        public ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken) => ValueTask.FromResult(decision);
    }
}
