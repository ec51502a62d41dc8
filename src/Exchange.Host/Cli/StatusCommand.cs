using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Operations;
using Exchange.Core.Security;

namespace Exchange.Host.Cli;

/// <summary><c>exchange status</c>: what the status page shows, as text.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(ExchangeOptions options, IOperationsStore store, TextWriter output, CancellationToken cancellationToken)
    {
        var snapshots = new OperatorSnapshotSource(store, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        var snapshot = await snapshots.RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.Error is not null)
        {
            await output.WriteLineAsync(IdentityNumber.MaskWithin("The staging store could not be read: " + snapshot.Error)).ConfigureAwait(false);
            return 1;
        }

        var lines = new List<string> { $"Exchange status at {Time(snapshot.TakenAt)} UTC", "", "Load gate:" };
        var gates = snapshot.GateBySource.ToList();
        lines.AddRange(gates.Count == 0
            ? ["  no probe readings recorded (the gate has not reported a state)"]
            : gates.Select(g => $"  {g.Source,-16} {g.State,-12} {g.Reason} (reading of {Time(g.At)})"));

        lines.Add("");
        lines.Add("Nodes:");
        lines.AddRange(snapshot.Nodes.Count == 0
            ? ["  no node has written a heartbeat yet"]
            : snapshot.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture,
                $"  {n.Node,-20} {n.Address,-28} last check-in {Time(n.CheckedAt)}{(n.IsSilent(snapshot.TakenAt, OperatorSnapshot.SilentNodeLimit) ? " (stopped checking in)" : "")}; running: {(n.Running.Count == 0 ? "-" : string.Join(", ", n.Running))}")));

        lines.Add("");
        lines.Add("Datasets:      last seq  last batch at        batches/h  rows/h  watermark");
        lines.AddRange(snapshot.Datasets.Count == 0
            ? ["  nothing extracted yet"]
            : snapshot.Datasets.Select(d => string.Create(CultureInfo.InvariantCulture,
                $"  {d.Dataset,-12} {d.LastSeq,8}  {(d.LastBatchAt is { } at ? Time(at) : "-"),-19} {d.RecentBatches,9} {d.RecentRows,7}  {d.Watermark ?? "(none)"}")));
        lines.AddRange(snapshot.Datasets.Where(d => d.SchemaNote is not null).Select(d => $"  {d.Dataset}: source columns {(d.Stopped ? "" : "changed ")}{d.SchemaNote}"));

        lines.Add("");
        lines.Add("Insurers:                      backlog  acked  last poll");
        lines.AddRange(snapshot.Backlog.Count == 0
            ? ["  no insurer configured"]
            : snapshot.Backlog.Select(b => string.Create(CultureInfo.InvariantCulture,
                $"  {b.Insurer,-16} {b.Dataset,-12} {b.Backlog,7} {b.AckedSeq,6}  {(b.LastPollAt is { } at ? Time(at) : $"none in {OperationsStore.LastPollWindow.TotalDays:0} days")}")));

        lines.Add("");
        lines.Add("Requests: " + string.Join(", ", Enum.GetValues<Core.Requests.RequestStatus>()
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {snapshot.Requests.GetValueOrDefault(s)}"))));
        foreach (var line in lines)
        {
            // Watermarks, gate reasons and names can hold identity numbers; the terminal gets them masked like the logs.
            await output.WriteLineAsync(IdentityNumber.MaskWithin(line)).ConfigureAwait(false);
        }

        return 0;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
