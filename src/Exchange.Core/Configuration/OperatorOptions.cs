namespace Exchange.Core.Configuration;

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

    /// <summary>How often the status page reloads itself, in seconds.</summary>
    public int PageRefreshSeconds { get; set; } = 10;

    /// <summary>Probe thresholds the status page draws when the load gate does not publish its own.</summary>
    public List<ChartThresholdOptions> ChartThresholds { get; set; } = [];
}

/// <summary>An operator allowed on the operator endpoint.</summary>
public sealed class OperatorPrincipalOptions
{
    /// <summary>User name for HTTP Basic.</summary>
    public string Name { get; set; } = "";

    /// <summary>PBKDF2 hash as printed by <c>exchange hash-password</c>: <c>pbkdf2-sha256$iterations$salt$hash</c>.</summary>
    public string PasswordHash { get; set; } = "";
}

/// <summary>One probe's thresholds as drawn on the status page chart.</summary>
public sealed class ChartThresholdOptions
{
    /// <summary>Source name.</summary>
    public string Source { get; set; } = "";

    /// <summary>Probe name as recorded in <c>load_samples.probe</c>.</summary>
    public string Probe { get; set; } = "";

    /// <summary>Below this the probe counts as idle.</summary>
    public double? Idle { get; set; }

    /// <summary>At or above this the gate turns busy.</summary>
    public double? Busy { get; set; }

    /// <summary>At or above this the gate hibernates.</summary>
    public double? Critical { get; set; }
}
