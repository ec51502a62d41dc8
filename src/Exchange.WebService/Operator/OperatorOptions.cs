namespace Exchange.WebService.Operator;

/// <summary><c>Exchange:Operator</c>: the operator endpoint (status page, health, metrics) and service behaviour.</summary>
public sealed class OperatorOptions
{
    /// <summary>Kestrel URLs of the operator endpoint, separated by <c>;</c>; loopback by default. Empty turns the endpoint off.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8081";

    /// <summary>
    /// Host names (or addresses) a request's <c>Host</c> header may carry, besides the host names of <see cref="Urls"/> and
    /// localhost, 127.0.0.1 and [::1], which are always accepted; ports are ignored. Any other Host is refused (DNS rebinding).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Operators who may see the status page and /metrics (HTTP Basic). Required when <see cref="Urls"/> binds outside loopback.</summary>
    public List<OperatorPrincipalOptions> Principals { get; set; } = [];

    /// <summary>Failed operator logins allowed per remote address per minute before that address is refused for the rest of the minute.</summary>
    public int FailedLoginsPerMinute { get; set; } = 10;

    /// <summary>How long a stop waits for the chunk in flight and the web requests before the process exits anyway.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the status figures (backlog, requests by status, gate) are read from the staging store.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many hours of probe readings and extraction activity the status page charts.</summary>
    public int ChartHours { get; set; } = 6;

    /// <summary>How often the status page reloads itself (whole seconds, 1 s to 1 h).</summary>
    public TimeSpan PageRefresh { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>An operator allowed on the operator endpoint.</summary>
public sealed class OperatorPrincipalOptions
{
    /// <summary>User name for HTTP Basic.</summary>
    public string Name { get; set; } = "";

    /// <summary>PBKDF2 hash as printed by <c>exchange hash-password</c>: <c>pbkdf2-sha256$iterations$salt$hash</c>.</summary>
    public string PasswordHash { get; set; } = "";
}

