using Exchange.Core.Security;

namespace Exchange.Core.Configuration;

/// <summary>Checks <c>Exchange:Security</c>; every problem names the field, the value, and what is accepted.</summary>
public static class WebSecurityOptionsValidator
{
    private const string File = "appsettings.json";

    /// <summary>All problems found; <paramref name="resolvePath"/> turns a configured relative path into the one the daemon opens.</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options, Func<string, string> resolvePath, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolvePath);
        environment ??= Environment.GetEnvironmentVariable;
        var problems = new List<ConfigurationProblem>();
        void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, "Exchange:" + field, message));
        var security = options.Security;
        var principals = options.Principals.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var known = principals.Count == 0 ? "(none configured)" : string.Join(", ", principals.Order(StringComparer.Ordinal));

        if (security.ReplayWindow < TimeSpan.FromSeconds(30) || security.ReplayWindow > TimeSpan.FromHours(1))
        {
            Add("Security:ReplayWindow", $"must be between 00:00:30 and 01:00:00, was {security.ReplayWindow}");
        }

        for (var i = 0; i < security.DigestSecrets.Count; i++)
        {
            var secret = security.DigestSecrets[i];
            var field = $"Security:DigestSecrets:{i}";
            if (!principals.Contains(secret.Principal))
            {
                Add(field + ":Principal", $"must name a configured principal ({known}), was '{secret.Principal}'");
            }

            var hasVariable = !string.IsNullOrEmpty(secret.EnvironmentVariable);
            var hasFile = !string.IsNullOrEmpty(secret.File);
            if (hasVariable == hasFile)
            {
                Add(field, $"set exactly one of EnvironmentVariable and File, was {(hasVariable ? "both" : "neither")}");
            }
            else if (hasVariable && string.IsNullOrEmpty(environment(secret.EnvironmentVariable!)))
            {
                Add(field + ":EnvironmentVariable", $"environment variable '{secret.EnvironmentVariable}' is not set or empty; set it to the principal's digest secret");
            }
            else if (hasVariable && DigestSecrets.ValueProblem(environment(secret.EnvironmentVariable!)!) is { } shortVariable)
            {
                Add(field + ":EnvironmentVariable", $"environment variable '{secret.EnvironmentVariable}': {shortVariable}");
            }
            else if (hasFile && DigestSecrets.FileProblem(resolvePath(secret.File!)) is { } problem)
            {
                Add(field + ":File", problem);
            }
            else if (hasFile && DigestSecrets.ValueProblem(DigestSecrets.ReadFile(resolvePath(secret.File!))) is { } shortFile)
            {
                Add(field + ":File", $"file '{resolvePath(secret.File!)}': {shortFile}");
            }
        }

        if (security.RateLimit.PermitsPerSecond < 0)
        {
            Add("Security:RateLimit:PermitsPerSecond", $"must be 0 (off) or more, was {security.RateLimit.PermitsPerSecond}");
        }

        if (security.RateLimit.Burst < 0)
        {
            Add("Security:RateLimit:Burst", $"must not be negative, was {security.RateLimit.Burst}");
        }

        if (security.RateLimit.FailedAuthenticationsPerMinute < 0)
        {
            Add("Security:RateLimit:FailedAuthenticationsPerMinute", $"must be 0 (off) or more, was {security.RateLimit.FailedAuthenticationsPerMinute}");
        }

        if (security.RateLimit.ConcurrentPasswordChecks < 0)
        {
            Add("Security:RateLimit:ConcurrentPasswordChecks", $"must be 0 (half the processors) or more, was {security.RateLimit.ConcurrentPasswordChecks}");
        }

        if (security.RateLimit.StrangerAuditRowsPerMinute < 1)
        {
            Add("Security:RateLimit:StrangerAuditRowsPerMinute", $"must be at least 1, was {security.RateLimit.StrangerAuditRowsPerMinute}");
        }

        var tls = security.Tls;
        foreach (var (name, path) in new[] { ("CertificateFile", tls.CertificateFile), ("KeyFile", tls.KeyFile) })
        {
            if (!string.IsNullOrEmpty(path) && !System.IO.File.Exists(resolvePath(path)))
            {
                Add($"Security:Tls:{name}", $"file '{resolvePath(path)}' does not exist");
            }
        }

        for (var i = 0; i < tls.ClientCertificates.Count; i++)
        {
            var certificate = tls.ClientCertificates[i];
            var hex = new string([.. (certificate.Thumbprint ?? "").Where(char.IsAsciiHexDigit)]);
            if (hex.Length != 64)
            {
                Add($"Security:Tls:ClientCertificates:{i}:Thumbprint", $"must be the SHA-256 of the certificate as 64 hex digits (openssl x509 -noout -fingerprint -sha256), was '{certificate.Thumbprint}'");
            }

            if (!principals.Contains(certificate.Principal))
            {
                Add($"Security:Tls:ClientCertificates:{i}:Principal", $"must name a configured principal ({known}), was '{certificate.Principal}'");
            }
        }

        return problems;
    }
}
