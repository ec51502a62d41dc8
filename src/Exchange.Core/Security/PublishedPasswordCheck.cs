using System.Net;
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

    /// <summary>One problem per principal whose hash verifies <see cref="DemoPassword"/> while <c>Web:Urls</c> binds beyond loopback.</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Only a binding beyond loopback matters; checking it first also spares a PBKDF2 run per principal on a laptop.
        var exposed = NonLoopbackUrls(options.Web.Urls);
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

    /// <summary>The URLs of a <c>;</c>-separated list whose host is not loopback (127.0.0.0/8, ::1, localhost); <c>*</c>, <c>+</c>, 0.0.0.0 and names are not.</summary>
    public static IReadOnlyList<string> NonLoopbackUrls(string urls) =>
        [.. (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(u => !IsLoopback(u))];

    /// <summary>Whether the URL's host is a loopback address or <c>localhost</c>; a URL that cannot be read counts as not loopback.</summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return false;
        }

        var rest = url[(scheme + 3)..];
        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = rest[1..close];
        }
        else
        {
            var end = rest.IndexOfAny([':', '/']);
            host = end < 0 ? rest : rest[..end];
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
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
