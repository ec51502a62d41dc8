using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Exchange.Core.Staging;
using Exchange.WebService.Operator;

namespace Exchange.WebService.Tests.Operator;

public sealed class StatusPageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static StatusPageModel Model(IReadOnlyList<AuditEntry> failures) => new(
        Now,
        Now.AddHours(-2),
        new OperatorSnapshot(Now, [new DatasetStatus("AC01", "w1", 3, Now, 3, 3, 30)], [new InsurerBacklog("ins-a", "AC01", 1, 3, Now.AddSeconds(-30))],
            new Dictionary<RequestStatus, long> { [RequestStatus.Pending] = 4 }, [new LoadSample(Now, "prod", "sessions", 55, GateState.Busy, "sessions 55 >= 40")],
            [new NodeHeartbeat("fep01:8080", "10.0.0.1:8080", Now.AddSeconds(-3), Now.AddSeconds(-2), ["AC01"]), new NodeHeartbeat("fep02:8080", "10.0.0.2:8080", Now.AddMinutes(-2), Now.AddMinutes(-2), [])],
            null),
        [new LoadSample(Now.AddMinutes(-60), "prod", "sessions", 10, GateState.Idle, ""), new LoadSample(Now, "prod", "sessions", 55, GateState.Busy, "sessions 55 >= 40")],
        [new ActivityBucket(Now.AddMinutes(-3), 2, 20)],
        [new ProbeThreshold("prod", "sessions", 20, 40, 80)],
        failures,
        15);

    [Fact]
    public void Render_DrawsThresholdsSeriesAndActivity_AndListsBacklogAndRequests()
    {
        var html = StatusPage.Render(Model([]));

        Assert.Contains("<meta http-equiv=\"refresh\" content=\"15\">", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"state Busy\" data-state=\"Busy\">Busy</span></td><td>sessions 55 &gt;= 40</td>", html, StringComparison.Ordinal);
        Assert.Equal(3, html.Split("class=\"threshold threshold-").Length - 1);
        Assert.Contains("class=\"probe-series\" data-probe=\"prod/sessions\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"activity-bar\"", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"backlog-row\"><td>ins-a</td><td>AC01</td><td class=\"n\">2</td>", html, StringComparison.Ordinal);
        Assert.Contains("(30 s ago)", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">4</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"node-row\" data-silent=\"false\"><td>fep01:8080</td><td>10.0.0.1:8080</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>AC01</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"node-row silent\" data-silent=\"true\"><td>fep02:8080</td>", html, StringComparison.Ordinal);
        Assert.Contains("stopped checking in", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DatasetRows_ShowTheLastColumnChange_AndAStopInRed()
    {
        var model = Model([]);
        var html = StatusPage.Render(model with
        {
            Snapshot = model.Snapshot with
            {
                Datasets =
                [
                    new DatasetStatus("AC01", "w1", 3, Now, 3, 3, 30, "2026-11-22 11:00:00 UTC: column(s) added: aac003 (text)"),
                    new DatasetStatus("AC43", "w2", 9, Now, 9, 0, 0, SchemaDrift.StoppedPrefix + "the key column 'aaz223' of dataset 'AC43' changed type from bigint to text"),
                    new DatasetStatus("KC24", "w3", 1, Now, 1, 0, 0),
                ],
            },
        });

        Assert.Contains("<td class=\"schema schema-changed\">2026-11-22 11:00:00 UTC: column(s) added: aac003 (text)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"schema schema-stopped warn\">stopped: the key column &#39;aaz223&#39; of dataset &#39;AC43&#39; changed type from bigint to text</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"schema muted\">-</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_HorizonTable_NamesTheBlockingSession_AndShowsRisksAndRefusals()
    {
        var open = new OpenTransaction("4711", "sicp", "monthly-posting", Now.AddHours(-7));
        var html = StatusPage.Render(Model([]) with
        {
            Horizons =
            [
                new DatasetHorizon("AC01", "commit horizon", null, open, TimeSpan.FromHours(7), true, null, Now),
                new DatasetHorizon("AC02", "safety lag only", "CommitHorizon is SafetyLagOnly: rows can be missed", null, TimeSpan.Zero, false, null, Now),
                new DatasetHorizon("AC03", "commit horizon", null, null, TimeSpan.Zero, false, "grant pg_read_all_stats", Now),
                new DatasetHorizon("AC04", "xmin", null, null, TimeSpan.Zero, false, null, Now),
            ],
        });

        Assert.Contains("<tr class=\"horizon-blocking warn\" data-dataset=\"AC01\"><td>AC01</td><td>commit horizon</td><td>session 4711, user sicp, application monthly-posting, since 2026-11-22 05:00:00</td><td class=\"n\">7 h</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"horizon-risk warn\" data-dataset=\"AC02\">", html, StringComparison.Ordinal);
        Assert.Contains("<td>refused: grant pg_read_all_stats</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"horizon-ok\" data-dataset=\"AC04\"><td>AC04</td><td>xmin</td><td>none</td><td class=\"n\">-</td><td>ok</td></tr>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EscapesWhatCallersSent()
    {
        var html = StatusPage.Render(Model([new AuditEntry(Now, "<script>alert(1)</script>", "Poll", null, "AuthFailed", "10.0.0.1")]));
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MasksIdentityNumbersInWatermarksErrorsAndReasons()
    {
        const string number = "11010519491231002X";
        var model = Model([new AuditEntry(Now, "ins-a", "Poll", "obj " + number, "InvalidRequest", "10.0.0.1")]);
        model = model with
        {
            Snapshot = model.Snapshot with
            {
                Datasets = [new DatasetStatus("AC01", "2026-11-22T10:00:00+08:00|" + number, 3, Now, 3, 3, 30)],
                Gate = [new LoadSample(Now, "prod", "sessions", null, GateState.Closed, "probe failed: no row for 440524188001010014")],
                Error = "SqliteException: bound value '１１０１０１１９９００３０７４５１４' refused",
            },
        };

        var html = StatusPage.Render(model);

        Assert.Empty(IdentityNumberScan.ValidNumbersIn(html));
        Assert.Contains("110105********002X", html, StringComparison.Ordinal);
        Assert.Contains("440524********0014", html, StringComparison.Ordinal);
    }
}
