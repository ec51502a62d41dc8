using Exchange.Core.Sources;

namespace Exchange.Core.Configuration;

/// <summary>
/// The <c>Exchange</c> section of <c>config/appsettings.json</c>: what the exchange itself needs (stores, sources,
/// principals, security, retention, demo). Where the service listens, its operator endpoint and its logs are the
/// web service's own settings (<c>Exchange.WebService.ServiceOptions</c>), bound from the same section.
/// </summary>
public sealed class ExchangeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Exchange";

    /// <summary>Folder for the embedded staging store, the demo source and other files; relative paths are resolved against the content root.</summary>
    public string DataDirectory { get; set; } = "data";


    /// <summary>The staging store.</summary>
    public StagingOptions Staging { get; set; } = new();

    /// <summary>Source databases by name.</summary>
    public Dictionary<string, SourceOptions> Sources { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Insurers and source systems allowed to call the service.</summary>
    public List<PrincipalOptions> Principals { get; set; } = [];

    /// <summary>Digest secrets, replay window, rate limits, TLS and client certificates of the SOAP service.</summary>
    public WebSecurityOptions Security { get; set; } = new();

    /// <summary>The embedded demo (synthetic source and inserter).</summary>
    public DemoOptions Demo { get; set; } = new();

    /// <summary>How long acknowledged batches, finished requests and audit rows are kept.</summary>
    public RetentionOptions Retention { get; set; } = new();
}

/// <summary>The staging store: provider <c>sqlite</c> or <c>postgres</c> and its connection string.</summary>
public sealed class StagingOptions
{
    public string Provider { get; set; } = "sqlite";

    /// <summary>Connection string; <c>{data}</c> is replaced by the data directory.</summary>
    public string ConnectionString { get; set; } = "Data Source={data}/staging.db";
}

/// <summary>A source database.</summary>
public sealed class SourceOptions
{
    /// <summary>Provider name: <c>sqlite</c>, <c>postgres</c>, <c>oracle</c> or <c>sqlserver</c>.</summary>
    public string Provider { get; set; } = "";

    /// <summary>Connection string; <c>{data}</c> is replaced by the data directory. May come from an environment variable instead.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>UTC offset the source writes its local timestamps in (金保 systems: +08:00).</summary>
    public TimeSpan TimeZoneOffset { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Connection string of a standby that extraction and request queries read instead of the primary (Oracle Active Data
    /// Guard, a SQL Server readable secondary with <c>ApplicationIntent=ReadOnly</c>, a PostgreSQL hot standby); empty for none.
    /// </summary>
    public string? ReadConnectionString { get; set; }

    /// <summary>Which server the load probes measure when a standby is configured: the primary (default) or both.</summary>
    public ProbeTarget ProbeOn { get; set; } = ProbeTarget.Primary;

    /// <summary>Replica lag above which the source's datasets are held (not extracted) until the standby catches up.</summary>
    public TimeSpan MaxReplicaLag { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>SQL Server only: the isolation level of the daemon's sessions.</summary>
    public SqlServerIsolation Isolation { get; set; } = SqlServerIsolation.ReadCommitted;
}

/// <summary>A caller of the service: an insurer or a source system.</summary>
public sealed class PrincipalOptions
{
    /// <summary>User name in <c>UsernameToken</c> or HTTP Basic.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>insurer</c> or <c>source</c>.</summary>
    public string Role { get; set; } = "insurer";

    /// <summary>PBKDF2 hash as printed by <c>exchange hash-password</c>: <c>pbkdf2-sha256$iterations$salt$hash</c>.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Datasets this principal may see.</summary>
    public List<string> Datasets { get; set; } = [];

    /// <summary>Function codes (<c>InfNo</c>) this principal may submit.</summary>
    public List<string> FunctionCodes { get; set; } = [];

    /// <summary>The agreed minimum time between two polls.</summary>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The embedded demo: a synthetic 金保-style source that keeps receiving new rows.</summary>
public sealed class DemoOptions
{
    /// <summary>Create, seed and keep inserting into the demo source.</summary>
    public bool Enabled { get; set; }

    /// <summary>Name of the source (in <see cref="ExchangeOptions.Sources"/>) that holds the demo data.</summary>
    public string Source { get; set; } = "demo";

    /// <summary>Persons created when the demo source is new.</summary>
    public int SeedPersons { get; set; } = 200;

    /// <summary>Time between two rounds of new rows; zero stops inserting.</summary>
    public TimeSpan InsertInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows of each table added per round.</summary>
    public int RowsPerInsert { get; set; } = 3;
}
