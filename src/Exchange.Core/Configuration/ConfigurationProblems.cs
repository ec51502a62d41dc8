namespace Exchange.Core.Configuration;

/// <summary>One problem in a configuration file: which file, which field, the value, and what would be accepted.</summary>
public sealed record ConfigurationProblem(string File, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}: {Field}: {Message}";
}
