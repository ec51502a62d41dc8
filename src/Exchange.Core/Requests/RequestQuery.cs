using System.Text.RegularExpressions;
using Exchange.Core.Sources;

namespace Exchange.Core.Requests;

/// <summary>Reading the named placeholders of a request type's query.</summary>
public static partial class RequestQuery
{
    /// <summary>
    /// The placeholder names the query uses in the dialect's syntax (<c>@name</c>, <c>:name</c> on Oracle), outside
    /// quoted literals and identifiers.
    /// </summary>
    public static IReadOnlySet<string> Placeholders(string query, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(query);
        var code = Quoted().Replace(query, " ");
        var pattern = dialect == SqlDialect.Oracle ? OraclePlaceholder() : AtPlaceholder();
        return pattern.Matches(code).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    // '…' literals (with '' escapes) and "…" quoted identifiers: a ':' or '@' inside them is not a placeholder.
    [GeneratedRegex("'(?:[^']|'')*'|\"[^\"]*\"", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    [GeneratedRegex("(?<![A-Za-z0-9_@])@([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex AtPlaceholder();

    [GeneratedRegex("(?<![A-Za-z0-9_:]):([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex OraclePlaceholder();
}
