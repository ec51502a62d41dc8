using Exchange.Core.Configuration;

namespace Exchange.Core.Security;

/// <summary>
/// The shipped config/appsettings.json has a principal whose hash is of <see cref="DemoPassword"/>, a password published
/// with the source. That is fine for a try-out on a laptop, but a daemon that serves such a principal beyond loopback is
/// open to anyone who has read the repository, so it is refused.
/// </summary>
public static class PublishedPasswordCheck
{
    /// <summary>The password of the shipped <c>demo-insurer</c>.</summary>
    public const string DemoPassword = "demo-insurer-password";

    /// <summary>One problem per principal whose hash verifies <see cref="DemoPassword"/> while <paramref name="webUrls"/> (<c>Web:Urls</c>) binds beyond loopback.</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options, string webUrls)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(webUrls);

        // Only a binding beyond loopback matters; checking it first also spares a PBKDF2 run per principal on a laptop.
        var exposed = ListenUrls.BeyondLoopback(webUrls);
        if (exposed.Count == 0)
        {
            return [];
        }

        var hasher = new Pbkdf2PasswordHasher();
        var problems = new List<ConfigurationProblem>();
        for (var i = 0; i < options.Principals.Count; i++)
        {
            var principal = options.Principals[i];
            if (HasDemoPassword(hasher, principal.PasswordHash))
            {
                problems.Add(new ConfigurationProblem(
                    "appsettings.json",
                    $"Exchange:Principals:{i}:PasswordHash",
                    $"principal '{principal.Name}' has the published demo password '{DemoPassword}' while Exchange:Web:Urls binds " +
                    $"{string.Join(", ", exposed.Select(u => $"'{u}'"))} beyond loopback. Give it a new PasswordHash from " +
                    "'exchange hash-password' (or remove the principal), or bind Exchange:Web:Urls to 127.0.0.1, [::1] or localhost only"));
            }
        }

        return problems;
    }

    private static bool HasDemoPassword(Pbkdf2PasswordHasher hasher, string passwordHash)
    {
        try
        {
            return hasher.Verify(DemoPassword, passwordHash);
        }
        catch (FormatException)
        {
            // A malformed hash is reported by ExchangeOptionsValidator; it verifies no password at all.
            return false;
        }
    }
}
