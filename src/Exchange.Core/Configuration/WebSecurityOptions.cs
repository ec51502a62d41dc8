namespace Exchange.Core.Configuration;

/// <summary>
/// The <c>Exchange:Security</c> section: WS-Security <c>PasswordDigest</c> secrets, the replay window, per-principal rate
/// limits and TLS with client certificates bound to principals.
/// </summary>
public sealed class WebSecurityOptions
{
    /// <summary>How far a <c>wsse:Created</c> may be from the service clock, either way; nonces are remembered this long.</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Principals that may authenticate with <c>PasswordDigest</c>, and where each one's clear secret comes from.</summary>
    public List<DigestSecretOptions> DigestSecrets { get; set; } = [];

    /// <summary>Calls each principal may make per second, with a burst allowance; beyond it, HTTP 429 with <c>Retry-After</c>.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>HTTPS for the URLs in <c>Web:Urls</c> that start with <c>https://</c>, and client certificates.</summary>
    public TlsOptions Tls { get; set; } = new();
}

/// <summary>
/// The clear secret of one <c>PasswordDigest</c> principal (the digest needs it on the server side): from an environment
/// variable or from a file readable by the service account only. Never in appsettings.json.
/// </summary>
public sealed class DigestSecretOptions
{
    /// <summary>The principal name (must be configured in <c>Principals</c>).</summary>
    public string Principal { get; set; } = "";

    /// <summary>Environment variable that holds the secret.</summary>
    public string? EnvironmentVariable { get; set; }

    /// <summary>File that holds the secret (one line); on Unix it must not be readable by group or others.</summary>
    public string? File { get; set; }
}

/// <summary>Per-principal token bucket. <see cref="PermitsPerSecond"/> 0 switches rate limiting off.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Calls per second refilled into each principal's bucket.</summary>
    public int PermitsPerSecond { get; set; } = 20;

    /// <summary>Most calls a principal may make at once after being idle (the bucket size).</summary>
    public int Burst { get; set; } = 40;

    /// <summary>Failed authentications allowed per remote address per minute before it is refused unchecked (0: no limit).</summary>
    public int FailedAuthenticationsPerMinute { get; set; } = 30;

    /// <summary>PBKDF2 password checks the cache cannot spare that may run at once (0: half the processors, at least 1).</summary>
    public int ConcurrentPasswordChecks { get; set; }

    /// <summary>
    /// Audit rows for unauthenticated or malformed calls per minute, over all addresses (one row per address, outcome and
    /// minute, with a count); past it, one summary row per minute counts the rest.
    /// </summary>
    public int StrangerAuditRowsPerMinute { get; set; } = 600;
}

/// <summary>TLS for Kestrel from PEM files, and client certificates that authenticate a principal.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate (chain) for HTTPS endpoints; relative paths are resolved against the config folder's parent.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/> (omit when the key is in the same file).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Client certificates by SHA-256 thumbprint (hex) and the principal each one authenticates.</summary>
    public List<ClientCertificateOptions> ClientCertificates { get; set; } = [];
}

/// <summary>A client certificate bound to a principal.</summary>
public sealed class ClientCertificateOptions
{
    /// <summary>SHA-256 of the DER certificate, hex (colons and spaces ignored, any case).</summary>
    public string Thumbprint { get; set; } = "";

    /// <summary>The principal a TLS connection with this certificate authenticates as.</summary>
    public string Principal { get; set; } = "";
}
