using System.Text.Json;
using Exchange.Core.Configuration;

namespace Exchange.Host.Configuration;

/// <summary>What changed between two schedules, as lines an operator reads in the log.</summary>
internal static class ScheduleDiff
{
    /// <summary>One line per added, removed or changed dataset and per changed source load setting.</summary>
    public static IReadOnlyList<string> Describe(ScheduleOptions before, ScheduleOptions after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var lines = new List<string>();
        var old = before.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var now = after.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var (name, d) in now)
        {
            if (!old.TryGetValue(name, out var o))
            {
                lines.Add($"dataset {name} added (source {d.Source}, cron '{d.Cron}')");
                continue;
            }

            var fields = ChangedFields(o, d);
            if (fields.Count > 0)
            {
                lines.Add($"dataset {name} changed: {string.Join(", ", fields)}");
            }
        }

        lines.AddRange(old.Keys.Where(n => !now.ContainsKey(n)).Select(n => $"dataset {n} removed"));
        foreach (var (source, l) in after.Load.Sources)
        {
            if (!before.Load.Sources.TryGetValue(source, out var o))
            {
                lines.Add($"load settings of source {source} added");
            }
            else if (ChangedFields(o, l).Count > 0)
            {
                lines.Add($"load settings of source {source} changed: {string.Join(", ", ChangedFields(o, l))}");
            }
        }

        lines.AddRange(before.Load.Sources.Keys.Where(s => !after.Load.Sources.ContainsKey(s)).Select(s => $"load settings of source {s} removed (it is no longer read)"));
        if (before.Load.PauseFile != after.Load.PauseFile)
        {
            lines.Add($"Load:PauseFile '{before.Load.PauseFile}' -> '{after.Load.PauseFile}'");
        }

        return lines;
    }

    private static List<string> ChangedFields<T>(T before, T after)
    {
        var a = JsonSerializer.SerializeToElement(before);
        var b = JsonSerializer.SerializeToElement(after);
        var changed = new List<string>();
        foreach (var property in b.EnumerateObject())
        {
            var was = a.GetProperty(property.Name).GetRawText();
            var now = property.Value.GetRawText();
            if (was != now)
            {
                changed.Add(property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object ? property.Name : $"{property.Name} {was} -> {now}");
            }
        }

        return changed;
    }
}
