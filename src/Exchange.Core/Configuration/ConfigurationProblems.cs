using Microsoft.Extensions.Options;

namespace Exchange.Core.Configuration;

/// <summary>One problem in a configuration file: which file, which field, the value, and what would be accepted.</summary>
public sealed record ConfigurationProblem(string File, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}: {Field}: {Message}";

    /// <summary>Problems as an options validation result: success when there are none, else one failure per problem, as <see cref="ToString"/> prints it.</summary>
    public static ValidateOptionsResult ToResult(IReadOnlyList<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
    }
}
