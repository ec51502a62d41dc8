using System.Text;
using Exchange.Core.Extraction;
using Exchange.Core.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Exchange.WebService.Operator;

/// <summary>The operator endpoint's routes: <c>/</c> (status page), <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>.</summary>
public static class OperatorEndpoints
{
    private const int RecentFailures = 20;
    private const int MaxChartSamples = 20_000;

    /// <summary>Maps the routes. Needs <see cref="OperatorSnapshotSource"/>, <see cref="IOperationsStore"/>, <see cref="ReadinessCheck"/>,
    /// <see cref="PrometheusMetrics"/>, <see cref="IProbeThresholds"/>, <see cref="TimeProvider"/> and the options.</summary>
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/healthz", () => Results.Text("ok\n", "text/plain; charset=utf-8"));
        endpoints.MapGet("/readyz", async (HttpContext context, ReadinessCheck readiness, CancellationToken cancellationToken) =>
        {
            var items = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
            var ready = items.All(i => i.Ok);

            // Open to load balancers, which need only the status: the details name databases and hosts (see OperatorAccess).
            if (context.Items.TryGetValue(OperatorAccess.MaySeeDetailsKey, out var details) && details is false)
            {
                return Results.Text(ready ? "ready\n" : "not ready\n", "text/plain; charset=utf-8", statusCode: ready ? 200 : 503);
            }

            var text = new StringBuilder();
            foreach (var item in items)
            {
                text.Append(item.Ok ? "ok   " : "FAIL ").Append(item.Check).Append(": ").Append(item.Detail).Append('\n');
            }

            return Results.Text(text.ToString(), "text/plain; charset=utf-8", statusCode: ready ? 200 : 503);
        });
        endpoints.MapGet("/metrics", async (HttpContext context, PrometheusMetrics metrics) =>
        {
            context.Response.ContentType = PrometheusMetrics.ContentType;
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        endpoints.MapGet("/", (Delegate)RenderAsync);
        endpoints.MapGet("/status", (Delegate)RenderAsync);
        return endpoints;
    }

    private static async Task<IResult> RenderAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<IOperationsStore>();
        var snapshots = services.GetRequiredService<OperatorSnapshotSource>();
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value.Operator;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var from = now.AddHours(-options.ChartHours);
        var token = context.RequestAborted;
        var snapshot = await snapshots.RefreshAsync(token).ConfigureAwait(false);
        var model = new StatusPageModel(
            now,
            from,
            snapshot,
            await store.GetLoadSamplesAsync(from, MaxChartSamples, token).ConfigureAwait(false),
            await store.GetExtractionActivityAsync(from, token).ConfigureAwait(false),
            services.GetRequiredService<IProbeThresholds>().All(),
            await store.GetRecentFailuresAsync(RecentFailures, token).ConfigureAwait(false),
            (int)options.PageRefresh.TotalSeconds,
            CommitHorizonBoard.Instance.Current);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(StatusPage.Render(model), "text/html; charset=utf-8");
    }
}
