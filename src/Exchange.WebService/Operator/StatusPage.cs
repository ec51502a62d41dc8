using System.Globalization;
using System.Net;
using System.Text;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Security;
using Exchange.Core.Staging;

namespace Exchange.WebService.Operator;

/// <summary>Everything the status page shows, read at one instant.</summary>
public sealed record StatusPageModel(
    DateTimeOffset Now,
    DateTimeOffset ChartFrom,
    OperatorSnapshot Snapshot,
    IReadOnlyList<LoadSample> Samples,
    IReadOnlyList<ActivityBucket> Activity,
    IReadOnlyList<ProbeThreshold> Thresholds,
    IReadOnlyList<AuditEntry> Failures,
    int RefreshSeconds,
    IReadOnlyList<DatasetHorizon>? Horizons = null);

/// <summary>
/// The operator status page: server-rendered HTML with an inline SVG chart, no script, stylesheet or font from
/// anywhere else, so it works on a front-end machine without internet. It reloads itself (meta refresh).
/// </summary>
public static class StatusPage
{
    private const int ChartWidth = 960;
    private const int ChartHeight = 300;
    private const int Left = 56;
    private const int Right = 56;
    private const int Top = 16;
    private const int Bottom = 32;
    private static readonly string[] SeriesColours = ["#1f77b4", "#9467bd", "#8c564b", "#17becf", "#bcbd22"];

    /// <summary>The page as HTML.</summary>
    public static string Render(StatusPageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var html = new StringBuilder(16 * 1024);
        var snapshot = model.Snapshot;
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{model.RefreshSeconds}}">
            <title>Exchange status</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
            h1{font-size:1.4em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.4em 0 .4em}
            table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums} .muted{color:#777}
            .state{display:inline-block;padding:.15em .6em;border-radius:.3em;color:#fff;font-weight:600}
            .Idle{background:#2ca02c} .Busy{background:#ff7f0e} .Hibernating{background:#d62728} .Closed{background:#7f7f7f} .Unknown{background:#aaa}
            .warn{color:#b00} svg{background:#fff;border:1px solid #ccc}
            </style></head><body>
            <h1>Exchange status</h1>
            <p class="muted" id="taken">Figures read {{Time(snapshot.TakenAt)}} UTC; page rendered {{Time(model.Now)}} UTC; reloads every {{model.RefreshSeconds}} s.</p>
            """);
        if (snapshot.Error is not null)
        {
            html.Append("<p class=\"warn\" id=\"snapshot-error\">Staging store could not be read: ").Append(E(snapshot.Error)).Append("</p>");
        }

        AppendGate(html, snapshot);
        html.Append(CultureInfo.InvariantCulture, $"<h2>Probe readings and extraction, last {(model.Now - model.ChartFrom).TotalHours:0.#} h</h2>");
        AppendChart(html, model);
        AppendDatasets(html, snapshot);
        AppendNodes(html, snapshot, model.Now);
        AppendHorizons(html, model.Horizons ?? []);
        AppendBacklog(html, snapshot, model.Now);
        AppendRequests(html, snapshot);
        AppendFailures(html, model.Failures);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendGate(StringBuilder html, OperatorSnapshot snapshot)
    {
        html.Append("<h2>Load gate</h2><table id=\"gate\"><tr><th>source</th><th>state</th><th>why</th><th>since reading</th></tr>");
        var gates = snapshot.GateBySource.ToList();
        if (gates.Count == 0)
        {
            html.Append("<tr><td colspan=\"4\" class=\"muted\">No probe readings recorded yet: the gate has not reported a state.</td></tr>");
        }

        foreach (var gate in gates)
        {
            var state = gate.State.ToString();
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(gate.Source)}</td><td><span class=\"state {state}\" data-state=\"{state}\">{state}</span></td><td>{E(gate.Reason)}</td><td>{Time(gate.At)}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendChart(StringBuilder html, StatusPageModel model)
    {
        var from = model.ChartFrom;
        var span = Math.Max(1, (model.Now - from).TotalSeconds);
        var plotWidth = ChartWidth - Left - Right;
        var plotHeight = ChartHeight - Top - Bottom;
        double X(DateTimeOffset at) => Left + (Math.Clamp((at - from).TotalSeconds, 0, span) / span * plotWidth);

        var values = model.Samples.Where(s => s.Value is not null).Select(s => s.Value!.Value)
            .Concat(model.Thresholds.SelectMany(t => new[] { t.Idle, t.Busy, t.Critical }).OfType<double>());
        var maxValue = values.DefaultIfEmpty(1).Max();
        maxValue = maxValue <= 0 ? 1 : maxValue * 1.1;
        double Y(double value) => Top + plotHeight - (Math.Clamp(value / maxValue, 0, 1) * plotHeight);
        var maxBatches = Math.Max(1, model.Activity.Select(a => a.Batches).DefaultIfEmpty(0).Max());

        html.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"gate-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{ChartWidth}\" height=\"{ChartHeight}\" viewBox=\"0 0 {ChartWidth} {ChartHeight}\" role=\"img\" aria-label=\"probe readings with thresholds and batches per minute\">");

        // Extraction activity: one bar per minute, scaled on the right axis.
        var barWidth = Math.Max(1.5, plotWidth / (span / 60.0));
        html.Append("<g id=\"activity\" fill=\"#2ca02c\" fill-opacity=\"0.35\">");
        foreach (var bucket in model.Activity)
        {
            var height = (double)bucket.Batches / maxBatches * plotHeight;
            html.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"activity-bar\" x=\"{X(bucket.Minute):0.#}\" y=\"{Top + plotHeight - height:0.#}\" width=\"{barWidth:0.##}\" height=\"{height:0.#}\"><title>{Time(bucket.Minute)}: {bucket.Batches} batches, {bucket.Rows} rows</title></rect>");
        }

        html.Append("</g>");

        // Axes and labels.
        html.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{ChartWidth - Right}\" y2=\"{Top + plotHeight}\" stroke=\"#444\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"#444\"/>");
        html.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Left - 6}\" y=\"{Top + 10}\" font-size=\"11\" text-anchor=\"end\">{maxValue:0.##}</text><text x=\"{Left - 6}\" y=\"{Top + plotHeight}\" font-size=\"11\" text-anchor=\"end\">0</text>");
        html.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{ChartWidth - Right + 6}\" y=\"{Top + 10}\" font-size=\"11\" fill=\"#2ca02c\">{maxBatches} b/min</text>");
        html.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Left}\" y=\"{ChartHeight - 8}\" font-size=\"11\">{Time(from)}</text><text x=\"{ChartWidth - Right}\" y=\"{ChartHeight - 8}\" font-size=\"11\" text-anchor=\"end\">{Time(model.Now)} UTC</text>");

        // Thresholds: dashed lines, one colour per kind.
        foreach (var threshold in model.Thresholds)
        {
            AppendThreshold(html, threshold, "idle", threshold.Idle, "#2ca02c", Y);
            AppendThreshold(html, threshold, "busy", threshold.Busy, "#ff7f0e", Y);
            AppendThreshold(html, threshold, "critical", threshold.Critical, "#d62728", Y);
        }

        // One line per probe.
        var colour = 0;
        foreach (var series in model.Samples.Where(s => s.Value is not null).GroupBy(s => (s.Source, s.Probe)).OrderBy(g => g.Key))
        {
            var points = string.Join(' ', series.Select(s => string.Create(CultureInfo.InvariantCulture, $"{X(s.At):0.#},{Y(s.Value!.Value):0.#}")));
            var stroke = SeriesColours[colour++ % SeriesColours.Length];
            html.Append(CultureInfo.InvariantCulture,
                $"<polyline class=\"probe-series\" data-probe=\"{E(series.Key.Source)}/{E(series.Key.Probe)}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.8\" points=\"{points}\"><title>{E(series.Key.Source)} {E(series.Key.Probe)}</title></polyline>");
            var last = series.Last();
            html.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{X(last.At) - 4:0.#}\" y=\"{Y(last.Value!.Value) - 6:0.#}\" font-size=\"11\" text-anchor=\"end\" fill=\"{stroke}\">{E(series.Key.Source)} {E(series.Key.Probe)} {last.Value!.Value:0.##}</text>");
        }

        if (model.Samples.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{ChartWidth / 2}\" y=\"{Top + (plotHeight / 2)}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#777\">no probe readings in this period</text>");
        }

        html.Append("</svg>");
        html.Append("<p class=\"muted\">Lines: probe readings. Dashed: thresholds (green idle, orange busy, red critical). Green bars: batches extracted per minute (right scale).</p>");
    }

    private static void AppendThreshold(StringBuilder html, ProbeThreshold threshold, string kind, double? value, string colour, Func<double, double> y)
    {
        if (value is not { } v)
        {
            return;
        }

        html.Append(CultureInfo.InvariantCulture,
            $"<line class=\"threshold threshold-{kind}\" data-probe=\"{E(threshold.Source)}/{E(threshold.Probe)}\" x1=\"{Left}\" x2=\"{ChartWidth - Right}\" y1=\"{y(v):0.#}\" y2=\"{y(v):0.#}\" stroke=\"{colour}\" stroke-dasharray=\"6 4\" stroke-width=\"1.2\"/>");
        html.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{ChartWidth - Right - 4}\" y=\"{y(v) - 3:0.#}\" font-size=\"10\" text-anchor=\"end\" fill=\"{colour}\">{E(threshold.Probe)} {kind} {v:0.##}</text>");
    }

    private static void AppendNodes(StringBuilder html, OperatorSnapshot snapshot, DateTimeOffset now)
    {
        html.Append("<h2>Nodes</h2><table id=\"nodes\"><tr><th>node</th><th>address</th><th>last check-in</th><th>scheduler check-in</th><th>running now</th></tr>");
        if (snapshot.Nodes.Count == 0)
        {
            html.Append("<tr><td colspan=\"5\" class=\"muted\">No node has written a heartbeat yet.</td></tr>");
        }

        foreach (var n in snapshot.Nodes)
        {
            var silent = n.IsSilent(now, OperatorSnapshot.SilentNodeLimit);
            var checkIn = $"{Time(n.CheckedAt)} ({Ago(now - n.CheckedAt)} ago){(silent ? ": stopped checking in" : "")}";
            var scheduler = n.SchedulerCheckIn is { } at ? $"{Ago(now - at)} ago" : "-";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"node-row{(silent ? " silent" : "")}\" data-silent=\"{(silent ? "true" : "false")}\"><td>{E(n.Node)}</td><td>{E(n.Address)}</td><td>{E(checkIn)}</td><td>{E(scheduler)}</td><td>{E(n.Running.Count == 0 ? "-" : string.Join(", ", n.Running))}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendDatasets(StringBuilder html, OperatorSnapshot snapshot)
    {
        html.Append("<h2>Datasets</h2><table id=\"datasets\"><tr><th>dataset</th><th>last batch</th><th>stored at</th><th>batches last hour</th><th>rows last hour</th><th>batches kept</th><th>watermark</th><th>source columns</th></tr>");
        if (snapshot.Datasets.Count == 0)
        {
            html.Append("<tr><td colspan=\"8\" class=\"muted\">Nothing extracted yet.</td></tr>");
        }

        foreach (var d in snapshot.Datasets)
        {
            // Masked before it is shortened: a cut could leave too few digits of a number for the masker to see it.
            var watermark = IdentityNumber.MaskWithin(d.Watermark ?? "(none)");
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(d.Dataset)}</td><td class=\"n\">{d.LastSeq}</td><td>{(d.LastBatchAt is { } at ? Time(at) : "-")}</td><td class=\"n\">{d.RecentBatches}</td><td class=\"n\">{d.RecentRows}</td><td class=\"n\">{d.StoredBatches}</td><td class=\"muted\" title=\"{E(watermark)}\">{E(Shorten(watermark, 48))}</td>{SchemaCell(d)}</tr>");
        }

        html.Append("</table>");
    }

    // A stopped dataset in red; the last change seen otherwise; unchanged columns as a dash.
    private static string SchemaCell(DatasetStatus d) => d.SchemaNote is null
        ? "<td class=\"schema muted\">-</td>"
        : $"<td class=\"schema{(d.Stopped ? " schema-stopped warn" : " schema-changed")}\">{E(d.SchemaNote)}</td>";

    private static void AppendHorizons(StringBuilder html, IReadOnlyList<DatasetHorizon> horizons)
    {
        html.Append("<h2>Commit horizon</h2><table id=\"horizons\"><tr><th>dataset</th><th>bounded by</th><th>oldest open transaction</th><th>age</th><th>state</th></tr>");
        if (horizons.Count == 0)
        {
            html.Append("<tr><td colspan=\"5\" class=\"muted\">No extraction run yet.</td></tr>");
        }

        foreach (var h in horizons)
        {
            var open = h.Oldest is { } o ? $"session {o.Session}, user {o.User}, application {o.Application}, since {Time(o.Started)}" : "none";
            var (css, state) = h switch
            {
                { Refused: { } refused } => ("horizon-refused warn", "refused: " + refused),
                { Blocking: true } => ("horizon-blocking warn", "waiting: this transaction is older than MaxHorizonAge"),
                { Risk: { } risk } => ("horizon-risk warn", "risk: " + risk),
                _ => ("horizon-ok", "ok"),
            };
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"{css}\" data-dataset=\"{E(h.Dataset)}\"><td>{E(h.Dataset)}</td><td>{E(h.Mode)}</td><td>{E(open)}</td><td class=\"n\">{(h.Oldest is null ? "-" : Ago(h.Age))}</td><td>{E(state)}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendBacklog(StringBuilder html, OperatorSnapshot snapshot, DateTimeOffset now)
    {
        html.Append("<h2>Insurers</h2><table id=\"backlog\"><tr><th>insurer</th><th>dataset</th><th>backlog (batches)</th><th>acknowledged</th><th>last batch</th><th>last poll</th></tr>");
        if (snapshot.Backlog.Count == 0)
        {
            html.Append("<tr><td colspan=\"6\" class=\"muted\">No insurer is configured.</td></tr>");
        }

        foreach (var b in snapshot.Backlog)
        {
            var poll = b.LastPollAt is { } at ? $"{Time(at)} ({Ago(now - at)} ago)" : $"none in {OperationsStore.LastPollWindow.TotalDays:0} days";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"backlog-row\"><td>{E(b.Insurer)}</td><td>{E(b.Dataset)}</td><td class=\"n\">{b.Backlog}</td><td class=\"n\">{b.AckedSeq}</td><td class=\"n\">{b.LastSeq}</td><td>{poll}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendRequests(StringBuilder html, OperatorSnapshot snapshot)
    {
        html.Append("<h2>Requests</h2><table id=\"requests\"><tr>");
        var statuses = Enum.GetValues<Core.Requests.RequestStatus>();
        foreach (var status in statuses)
        {
            html.Append("<th>").Append(status).Append("</th>");
        }

        html.Append("</tr><tr>");
        foreach (var status in statuses)
        {
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{snapshot.Requests.GetValueOrDefault(status)}</td>");
        }

        html.Append("</tr></table>");
    }

    private static void AppendFailures(StringBuilder html, IReadOnlyList<AuditEntry> failures)
    {
        html.Append("<h2>Recent errors</h2><table id=\"errors\"><tr><th>at</th><th>principal</th><th>operation</th><th>object</th><th>outcome</th><th>from</th></tr>");
        if (failures.Count == 0)
        {
            html.Append("<tr><td colspan=\"6\" class=\"muted\">No refused or failed calls recorded.</td></tr>");
        }

        foreach (var f in failures)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Time(f.At)}</td><td>{E(f.Principal)}</td><td>{E(f.Operation)}</td><td>{E(f.ObjectId ?? "")}</td><td class=\"warn\">{E(f.Outcome)}</td><td>{E(f.RemoteAddress ?? "")}</td></tr>");
        }

        html.Append("</table>");
    }

    private static string Time(DateTimeOffset at) =>
        at == DateTimeOffset.MinValue ? "never" : at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Ago(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{Math.Max(0, span.TotalSeconds):0} s" : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} min" : $"{span.TotalHours:0.#} h";

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    // Every text on the page (watermarks, error texts, names, gate reasons) is masked: any of them can hold an identity number.
    private static string E(string text) => WebUtility.HtmlEncode(IdentityNumber.MaskWithin(text));
}
