using Exchange.Core.Configuration;
using Exchange.Core.Security;

namespace Exchange.Core.Operations;

/// <summary>Turns the retention options and the principals into the cut-offs of one purge.</summary>
public static class RetentionPolicyFactory
{
    /// <summary>The policy for a purge at <paramref name="now"/>.</summary>
    public static RetentionPolicy At(DateTimeOffset now, ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var retention = options.Retention;
        return new RetentionPolicy(
            now - retention.Batches,
            now - retention.Requests,
            now - retention.Audit,
            now - retention.LoadSamples,
            InsurerDatasets(options));
    }

    /// <summary>Insurer name → the datasets it may see, from the configured principals.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> InsurerDatasets(ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Principals
            .Where(p => PrincipalRoleNames.Parse(p.Role) == PrincipalRole.Insurer)
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.SelectMany(p => p.Datasets).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
    }
}
