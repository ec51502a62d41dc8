using Exchange.Core.Configuration;

namespace Exchange.Core.Security;

/// <summary>The configured principals by name, checked once when built.</summary>
public sealed class PrincipalRegistry
{
    private readonly Dictionary<string, Principal> _byName;

    /// <summary>Builds the registry from <see cref="ExchangeOptions.Principals"/>.</summary>
    /// <exception cref="ArgumentException">A principal is misconfigured; the message names it, the property and the value.</exception>
    public PrincipalRegistry(IEnumerable<PrincipalOptions> principals)
    {
        ArgumentNullException.ThrowIfNull(principals);
        _byName = new Dictionary<string, Principal>(StringComparer.Ordinal);
        var index = 0;
        foreach (var options in principals)
        {
            var principal = Build(options, index);
            if (!_byName.TryAdd(principal.Name, principal))
            {
                throw new ArgumentException($"Principals[{index}].Name '{principal.Name}' is configured twice; names must be unique.", nameof(principals));
            }

            index++;
        }
    }

    /// <summary>All principals.</summary>
    public IReadOnlyCollection<Principal> All => _byName.Values;

    /// <summary>The principal named <paramref name="name"/> (case-sensitive), or null.</summary>
    public Principal? Find(string name) => _byName.GetValueOrDefault(name);

    private static Principal Build(PrincipalOptions options, int index)
    {
        var where = $"Principals[{index}]";
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{where}.Name must be a non-empty name without ':' (HTTP Basic separates name and password with it), was '{options.Name}'.", nameof(options));
        }

        where = $"Principals[{index}] ('{options.Name}')";
        var role = PrincipalRoleNames.Parse(options.Role)
            ?? throw new ArgumentException($"{where}.Role must be 'insurer' or 'source', was '{options.Role}'.", nameof(options));

        try
        {
            Pbkdf2PasswordHasher.Validate(options.PasswordHash);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"{where}.PasswordHash: {ex.Message}", nameof(options), ex);
        }

        if (options.MinPollInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"{where}.MinPollInterval must not be negative, was {options.MinPollInterval}.", nameof(options));
        }

        var blank = options.Datasets.FindIndex(string.IsNullOrWhiteSpace);
        if (blank >= 0)
        {
            throw new ArgumentException($"{where}.Datasets[{blank}] is empty; list dataset names.", nameof(options));
        }

        return new Principal(
            options.Name,
            role,
            options.PasswordHash,
            options.Datasets.ToHashSet(StringComparer.Ordinal),
            options.FunctionCodes.ToHashSet(StringComparer.Ordinal),
            options.MinPollInterval);
    }
}
