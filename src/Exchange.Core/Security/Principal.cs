namespace Exchange.Core.Security;

/// <summary>What a principal is allowed to do.</summary>
public enum PrincipalRole
{
    /// <summary>An insurer: polls, fetches and acknowledges batches, submits requests.</summary>
    Insurer = 0,

    /// <summary>A social-security source system: pushes batches and answers requests.</summary>
    Source = 1,
}

/// <summary>The configuration names of <see cref="PrincipalRole"/>: <c>insurer</c> and <c>source</c>.</summary>
public static class PrincipalRoleNames
{
    /// <summary>The names accepted in <c>Principals[].Role</c>, in order.</summary>
    public static IReadOnlyList<string> All { get; } = ["insurer", "source"];

    /// <summary>The role named <paramref name="name"/> (exact, lower case), or null.</summary>
    public static PrincipalRole? Parse(string? name) => name switch
    {
        "insurer" => PrincipalRole.Insurer,
        "source" => PrincipalRole.Source,
        _ => null,
    };
}

/// <summary>A configured caller of the service, after its options were checked.</summary>
/// <param name="Name">User name in <c>UsernameToken</c> or HTTP Basic.</param>
/// <param name="Role">Insurer or source.</param>
/// <param name="PasswordHash">PBKDF2 hash in <see cref="Pbkdf2PasswordHasher.ExpectedFormat"/>.</param>
/// <param name="Datasets">Datasets the principal may see.</param>
/// <param name="FunctionCodes">Function codes (<c>InfNo</c>) the principal may submit.</param>
/// <param name="MinPollInterval">The agreed minimum time between two polls.</param>
public sealed record Principal(
    string Name,
    PrincipalRole Role,
    string PasswordHash,
    IReadOnlySet<string> Datasets,
    IReadOnlySet<string> FunctionCodes,
    TimeSpan MinPollInterval)
{
    /// <summary>Whether the principal may see batches of <paramref name="dataset"/>.</summary>
    public bool MaySee(string dataset) => Datasets.Contains(dataset);

    /// <summary>The principal's datasets in ordinal order (the order <c>Poll</c> delivers them in).</summary>
    public IReadOnlyList<string> OrderedDatasets { get; } = [.. Datasets.Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Role})";
}
