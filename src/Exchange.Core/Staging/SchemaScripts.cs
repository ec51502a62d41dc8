using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Exchange.Core.Staging;

/// <summary>One versioned schema script (<c>install/sql/&lt;dialect&gt;/NNN_description.sql</c>).</summary>
public sealed record SchemaScript(int Version, string Name, string Sql);

/// <summary>The schema scripts embedded in this build, per dialect folder (<c>sqlite</c>, <c>postgres</c>).</summary>
public static partial class SchemaScripts
{
    private const string Prefix = "Exchange.Sql.";

    /// <summary>The scripts of a dialect folder in version order.</summary>
    public static IReadOnlyList<SchemaScript> For(string dialectFolder)
    {
        var assembly = typeof(SchemaScripts).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            // LogicalName is "Exchange.Sql.<folder>/<file>.sql" (the separator follows the build machine).
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = resource[Prefix.Length..].Replace('\\', '/');
            var slash = relative.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !string.Equals(relative[..slash], dialectFolder, StringComparison.Ordinal))
            {
                continue;
            }

            var file = relative[(slash + 1)..];
            var match = ScriptName().Match(file);
            if (!match.Success)
            {
                throw new StagingSchemaException($"Schema script '{relative}' is not named NNN_description.sql.");
            }

            scripts.Add(new SchemaScript(
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                file,
                Read(assembly, resource)));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new StagingSchemaException($"Schema scripts for '{dialectFolder}' must be numbered 1, 2, 3… without gaps; found {scripts[i].Name} at position {i + 1}.");
            }
        }

        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new StagingSchemaException($"Embedded schema script '{resource}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{3})_[a-z0-9_]+\.sql$")]
    private static partial Regex ScriptName();
}
