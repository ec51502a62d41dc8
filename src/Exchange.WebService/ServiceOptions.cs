using Exchange.WebService.Operator;

namespace Exchange.WebService;

/// <summary>
/// The service's own settings in the <c>Exchange</c> section of <c>config/appsettings.json</c>: where it listens, its
/// operator endpoint and its log folder. Bound from the same section as <c>ExchangeOptions</c>, which keeps what the
/// exchange itself needs.
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>The configuration section name (shared with <c>ExchangeOptions</c>).</summary>
    public const string SectionName = "Exchange";

    /// <summary>
    /// This node's name among the nodes sharing a PostgreSQL staging store (the scheduler's instance id, shown on the
    /// status page). Empty: the machine name and the port of the first <c>Web:Urls</c> entry, e.g. <c>fep01:8080</c>.
    /// </summary>
    public string NodeName { get; set; } = "";

    /// <summary>Folder for the log files (<c>exchange.log</c>, <c>audit.log</c>); relative paths are resolved against the content root.</summary>
    public string LogDirectory { get; set; } = "logs";

    /// <summary>The SOAP/HTTP endpoint.</summary>
    public WebOptions Web { get; set; } = new();

    /// <summary>The operator endpoint (status page, health, metrics) and service behaviour.</summary>
    public OperatorOptions Operator { get; set; } = new();
}

/// <summary>The SOAP/HTTP endpoint.</summary>
public sealed class WebOptions
{
    /// <summary>Kestrel URLs, separated by <c>;</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most batches one <c>Poll</c> returns.</summary>
    public int MaxBatchesPerPoll { get; set; } = 100;

    /// <summary>
    /// Addresses of reverse proxies (TLS terminators, load balancers) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
    /// are believed: a call arriving from one of them is treated as coming from the last address it forwarded, over the
    /// scheme it names. Empty (the default): the headers are ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
