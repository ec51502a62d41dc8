using Exchange.Core.Configuration;
using Exchange.WebService.Operator;

namespace Exchange.WebService;

/// <summary>Checks <c>Exchange:Web</c> and <c>Exchange:Operator</c>; every problem names the field, the value, and what is accepted.</summary>
public static class ServiceOptionsValidator
{
    private const string File = "appsettings.json";

    /// <summary>All problems found (empty when the options are usable).</summary>
    /// <param name="service">The bound service options.</param>
    /// <param name="security">The SOAP service's security settings (an https:// URL needs their certificate).</param>
    public static IReadOnlyList<ConfigurationProblem> Validate(ServiceOptions service, WebSecurityOptions security)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(security);
        var problems = new List<ConfigurationProblem>();
        void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, "Exchange:" + field, message));

        if (string.IsNullOrWhiteSpace(service.Web.Urls))
        {
            Add("Web:Urls", "must name at least one URL such as http://127.0.0.1:8080, was empty");
        }

        if (service.Web.MaxRequestBodyBytes < 1024)
        {
            Add("Web:MaxRequestBodyBytes", $"must be at least 1024, was {service.Web.MaxRequestBodyBytes}");
        }

        if (service.Web.MaxBatchesPerPoll < 1)
        {
            Add("Web:MaxBatchesPerPoll", $"must be at least 1, was {service.Web.MaxBatchesPerPoll}");
        }

        for (var i = 0; i < service.Web.TrustedProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(service.Web.TrustedProxies[i], out _))
            {
                Add($"Web:TrustedProxies:{i}", $"must be the IP address of a reverse proxy (e.g. 127.0.0.1 or ::1), was '{service.Web.TrustedProxies[i]}'");
            }
        }

        var wantsHttps = service.Web.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (wantsHttps && string.IsNullOrEmpty(security.Tls.CertificateFile))
        {
            Add("Security:Tls:CertificateFile", "must name a PEM certificate file because Web:Urls has an https:// URL, was empty");
        }

        var op = service.Operator;
        foreach (var url in op.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                Add("Operator:Urls", $"must be http:// or https:// URLs separated by ';' such as http://127.0.0.1:8081, was '{url}'");
            }
        }

        ValidateAccess(op, Add);

        if (op.ShutdownTimeout < TimeSpan.FromSeconds(1) || op.ShutdownTimeout > TimeSpan.FromMinutes(10))
        {
            Add("Operator:ShutdownTimeout", $"must be between 00:00:01 and 00:10:00, was {op.ShutdownTimeout}");
        }

        if (op.SnapshotInterval < TimeSpan.FromMilliseconds(200) || op.SnapshotInterval > TimeSpan.FromMinutes(10))
        {
            Add("Operator:SnapshotInterval", $"must be between 00:00:00.2 and 00:10:00, was {op.SnapshotInterval}");
        }

        if (op.ChartHours is < 1 or > 168)
        {
            Add("Operator:ChartHours", $"must be between 1 and 168, was {op.ChartHours}");
        }

        if (op.PageRefresh < TimeSpan.FromSeconds(1) || op.PageRefresh > TimeSpan.FromHours(1) || op.PageRefresh.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            Add("Operator:PageRefresh", $"must be whole seconds between 00:00:01 and 01:00:00, was {op.PageRefresh}");
        }

        return problems;
    }

    private static void ValidateAccess(OperatorOptions op, Action<string, string> add)
    {
        for (var i = 0; i < op.AllowedHosts.Count; i++)
        {
            var host = OperatorBinding.Normalize(op.AllowedHosts[i]);
            if (host is null || op.AllowedHosts[i].IndexOfAny(['/', '@', '?', '#', ' ']) >= 0 || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown || host is "*" or "+" or "0.0.0.0" or "[::]")
            {
                add($"Operator:AllowedHosts:{i}", $"must be a host name or IP address browsers use to reach the operator endpoint (e.g. exchange01.example.org or 10.1.2.3, a port is ignored), was '{op.AllowedHosts[i]}'");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < op.Principals.Count; i++)
        {
            var principal = op.Principals[i];
            var field = $"Operator:Principals:{i}";
            if (principal.Name.Length is < 1 or > 64 || !principal.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                add(field + ":Name", $"must be 1 to 64 letters, digits, '.', '_' or '-', was '{principal.Name}'");
            }
            else if (!seen.Add(principal.Name))
            {
                add(field + ":Name", $"'{principal.Name}' is configured twice; names must be unique");
            }

            try
            {
                Core.Security.Pbkdf2PasswordHasher.Validate(principal.PasswordHash);
            }
            catch (FormatException error)
            {
                add(field + ":PasswordHash", error.Message);
            }
        }

        if (op.FailedLoginsPerMinute is < 1 or > 1000)
        {
            add("Operator:FailedLoginsPerMinute", $"must be between 1 and 1000, was {op.FailedLoginsPerMinute}");
        }

        // A URL that is not http(s) is reported above; what it would bind is not worth a second problem.
        var urls = ListenUrls.Split(op.Urls).Where(url =>
            url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToList();
        var outside = urls.FirstOrDefault(url => !ListenUrls.IsLoopbackUrl(url));
        if (outside is not null && op.Principals.Count == 0)
        {
            add("Operator:Principals", $"Operator:Urls binds '{outside}', which is not loopback, so the status page and /metrics need credentials, and none are configured: " +
                "add an operator ({ \"Name\": \"ops\", \"PasswordHash\": \"<printed by 'exchange hash-password'>\" }) or bind Operator:Urls to 127.0.0.1");
        }

        var everyAddress = urls.FirstOrDefault(OperatorBinding.BindsEveryAddress);
        if (everyAddress is not null && op.AllowedHosts.Count == 0)
        {
            add("Operator:AllowedHosts", $"Operator:Urls binds every address ('{everyAddress}'), which names no host, so only localhost, 127.0.0.1 and [::1] would be accepted in the Host header: " +
                "list the names or addresses operators and probes use to reach it (e.g. [\"exchange01.example.org\", \"10.1.2.3\"])");
        }
    }
}
