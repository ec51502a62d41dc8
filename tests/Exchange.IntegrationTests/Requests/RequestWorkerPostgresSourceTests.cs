using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Exchange.Core.Sources;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exchange.IntegrationTests.Requests;

/// <summary>The request worker against a real PostgreSQL source: typed binding (dates, numbers) and the query timeout.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RequestWorkerPostgresSourceTests(PostgresCluster cluster) : IDisposable
{
    private const string PersonId = "44030519590706679X";
    private readonly TempDirectory _folder = new("exchange-requests-pg");
    private readonly ScheduleOptions _schedule = new();
    private string _source = "";

    [PostgresFact]
    public async Task Worker_BindsDatesAndTexts_AndWritesNumericValuesExactly()
    {
        var (store, worker) = await SetUpAsync(new RequestTypeOptions
        {
            InfNo = "2101",
            Source = "prod",
            Query = "SELECT visit_no, settled_on, total FROM settlements WHERE id_number = @idNumber AND settled_on BETWEEN @from AND @to ORDER BY visit_no",
            Parameters =
            [
                new RequestParameterOptions { Name = "idNumber", Type = RequestParameterType.IdentityNumber },
                new RequestParameterOptions { Name = "from", Type = RequestParameterType.Date },
                new RequestParameterOptions { Name = "to", Type = RequestParameterType.Date },
            ],
        });
        await SubmitAsync(store, "m1", $$"""{"idNumber":"{{PersonId}}","from":"2026-01-01","to":"2026-02-28"}""");

        Assert.Equal(1, (await worker.RunAsync(default)).Answered);

        var answer = (await store.Requests.GetResponseAsync("ins", "m1", false, default))!.Answer!;
        Assert.Equal("""[{"visit_no":"V1","settled_on":"2026-01-15","total":1234.50}]""", answer.Output);
    }

    [PostgresFact]
    public async Task Worker_CancelsAQueryPastItsTimeout_AndTellsTheInsurerWithoutInternals()
    {
        _schedule.RequestTypes.MaxAttempts = 1;
        var (store, worker) = await SetUpAsync(new RequestTypeOptions
        {
            InfNo = "slow",
            Source = "prod",
            Query = "SELECT pg_sleep(@seconds) AS slept",
            Parameters = [new RequestParameterOptions { Name = "seconds", Type = RequestParameterType.Decimal }],
            Timeout = TimeSpan.FromSeconds(1),
        });
        await SubmitAsync(store, "m1", """{"seconds":30}""");

        var started = DateTime.UtcNow;
        Assert.Equal(1, (await worker.RunAsync(default)).Answered);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the query was not cancelled at its timeout");

        var failed = await store.Requests.GetResponseAsync("ins", "m1", false, default);
        Assert.Equal(RequestStatus.Failed, failed!.Request.Status);
        Assert.Equal("The social-security side did not answer function slow within 1 s (tried 1 of 1 times); submit the request again later with a new MsgId.", failed.Answer!.ErrMsg);
    }

    [PostgresFact]
    public async Task Worker_WithNothingPending_LeavesTheGateUnattended_SoThisNodeTakesNoSampleOfTheSource()
    {
        LoadGate? gate = null;
        _schedule.Load.Sources["prod"] = new SourceLoadOptions
        {
            Probes = [new ProbeOptions { Name = "hits", Kind = "sql", Sql = "SELECT probe_hit()", Busy = 50, Idle = 40 }],
            SampleInterval = TimeSpan.FromMilliseconds(100),
            IdleSamplesToReopen = 1,
        };
        var (store, worker) = await SetUpAsync(
            new RequestTypeOptions { InfNo = "2101", Source = "prod", Query = "SELECT visit_no FROM settlements WHERE id_number = @idNumber", Parameters = [new RequestParameterOptions { Name = "idNumber", Type = RequestParameterType.IdentityNumber }] },
            (connector, options, staging) => gate = new LoadGate(
                new StaticOptionsMonitor<ScheduleOptions>(_schedule), new StaticOptionsMonitor<ExchangeOptions>(options), new LoadProbeFactory(connector, new HttpClient()),
                staging.LoadSamples, TimeProvider.System, NullLogger<LoadGate>.Instance, LoadSampling.WhileReading));
        using var stop = new CancellationTokenSource();
        var sampling = gate!.RunAsync(stop.Token);
        try
        {
            // Before, the idle worker attended the source and waited for the gate's warm-up samples before finding no work.
            var idle = await worker.RunAsync(default);
            Assert.Equal((0, 0), (idle.Answered, idle.GateClosedSources));
            Assert.Equal(0, await ProbeHitsAsync());

            await SubmitAsync(store, "m1", $$"""{"idNumber":"{{PersonId}}"}""");
            Assert.Equal(1, (await worker.RunAsync(default)).Answered);
            Assert.True(await ProbeHitsAsync() > 0, "the worker answered without the gate sampling the source");
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling);
        }
    }

    public void Dispose() => _folder.Dispose();

    private async Task<(TestStaging Store, RequestWorker Worker)> SetUpAsync(RequestTypeOptions type, Func<SourceConnector, ExchangeOptions, TestStaging, ILoadGate>? gate = null)
    {
        var source = await cluster.CreateDatabaseAsync("request_source");
        await using (var connection = new NpgsqlConnection(source))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"""
                CREATE TABLE settlements (visit_no text PRIMARY KEY, id_number text NOT NULL, settled_on date NOT NULL, total numeric(14,2) NOT NULL);
                INSERT INTO settlements VALUES ('V1', '{PersonId}', '2026-01-15', 1234.50), ('V2', '{PersonId}', '2026-03-01', 88.00);
                -- A load probe that counts its samples.
                CREATE TABLE probe_hits (at timestamptz NOT NULL DEFAULT clock_timestamp());
                CREATE FUNCTION probe_hit() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN INSERT INTO probe_hits DEFAULT VALUES; RETURN 0; END $$;
                """,
                connection);
            await command.ExecuteNonQueryAsync();
        }

        var options = new ExchangeOptions { DataDirectory = _folder.Path };
        options.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = source, TimeZoneOffset = TimeSpan.FromHours(8) };
        _schedule.RequestTypes.Types.Add(type);
        var store = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", TimeProvider.System);
        await store.MigrateAsync(default);
        var connector = new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options));
        _source = source;
        var worker = new RequestWorker(
            store.Requests,
            gate?.Invoke(connector, options, store) ?? new AlwaysOpenLoadGate(),
            connector,
            new StaticOptionsMonitor<ScheduleOptions>(_schedule),
            NullLogger<RequestWorker>.Instance);
        return (store, worker);
    }

    private async Task<long> ProbeHitsAsync()
    {
        await using var connection = new NpgsqlConnection(_source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM probe_hits", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task SubmitAsync(TestStaging store, string msgId, string json)
    {
        var type = _schedule.RequestTypes.Types[0];
        var input = RequestInput.Parse(type, json, 4096);
        await store.Requests.SubmitRequestAsync(new NewRequest("ins", msgId, type.InfNo, input.Canonical, input.Sha256, type.Expiry), default);
    }
}
