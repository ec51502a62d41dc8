namespace Exchange.Core.Sources;

/// <summary>The <c>{data}</c> placeholder in connection strings, replaced by the data directory when options are resolved.</summary>
public static class DataDirectory
{
    /// <summary>The placeholder text.</summary>
    public const string Placeholder = "{data}";

    /// <summary>Replaces every <c>{data}</c> in <paramref name="value"/> by <paramref name="dataDirectory"/> (without a trailing separator).</summary>
    public static string Expand(string value, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var directory = dataDirectory.TrimEnd('/', '\\');
        return value.Replace(Placeholder, directory, StringComparison.Ordinal);
    }
}
