using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;
using Exchange.WebService;

namespace Exchange.Host.Configuration;

/// <summary>The effective options as log lines: connections reduced to <c>server@database</c>, no password, no hash.</summary>
internal static class OptionsReport
{
    public static IEnumerable<string> Describe(ConfigLocation location, LoadedConfiguration loaded)
    {
        var (options, service, schedule) = (loaded.Options, loaded.Service, loaded.Schedule);
        yield return $"Exchange starting: config {location.ConfigDirectory}, data {options.DataDirectory}, logs {service.LogDirectory}";
        yield return $"Staging store: {options.Staging.Provider} {ConnectionStringDescriber.Describe(SourceProviders.GetDialect(options.Staging.Provider), options.Staging.ConnectionString)}";
        foreach (var (name, source) in options.Sources)
        {
            var dialect = SourceProviders.GetDialect(source.Provider);
            var standby = string.IsNullOrWhiteSpace(source.ReadConnectionString)
                ? ""
                : $", reads standby {ConnectionStringDescriber.Describe(dialect, source.ReadConnectionString)} (probes {source.ProbeOn}, max replica lag {source.MaxReplicaLag})";
            yield return $"Source {name}: {source.Provider} {ConnectionStringDescriber.Describe(dialect, source.ConnectionString)}, timestamps in UTC{Offset(source.TimeZoneOffset)}{standby}";
        }

        yield return $"Web endpoint: {service.Web.Urls} (max body {service.Web.MaxRequestBodyBytes} bytes, max {service.Web.MaxBatchesPerPoll} batches per poll)";
        foreach (var principal in options.Principals)
        {
            yield return $"Principal {principal.Name}: role {principal.Role}, datasets [{string.Join(", ", principal.Datasets)}], minimum poll interval {principal.MinPollInterval}";
        }

        foreach (var dataset in schedule.Datasets)
        {
            var what = dataset.Table is { Length: > 0 } table ? $"table {table}" : "custom query";
            var watermark = WatermarkModes.IsXmin(dataset.Watermark)
                ? $"watermark (xmin, {dataset.KeyColumn})"
                : $"watermark ({dataset.TimestampColumn}, {dataset.KeyColumn}), safety lag {dataset.SafetyLag}, " +
                  (CommitHorizonModes.IsSafetyLagOnly(dataset.CommitHorizon) ? "no commit horizon (SafetyLagOnly: a risk)" : "commit horizon required");
            var deletes = DeleteModes.IsReconcile(dataset.Deletes) ? $", deletions reconciled every {dataset.ReconcileEvery}" : "";
            yield return $"Dataset {dataset.Name}: {what} of source {dataset.Source}, cron '{dataset.Cron}', {watermark}, {dataset.ChunkRows} rows per chunk, open transactions reported after {dataset.MaxHorizonAge}{deletes}";
        }

        if (schedule.Datasets.Count == 0)
        {
            yield return "No datasets in schedule.json: nothing will be extracted.";
        }

        foreach (var (name, load) in schedule.Load.Sources)
        {
            var probes = load.Probes.Count == 0
                ? (load.AllowUnmeasured ? "no probes, read unmeasured (AllowUnmeasured)" : "no probes: never read")
                : string.Join("; ", load.Probes.Select(p => $"{p.DisplayName} busy>={p.Busy} idle<{p.Idle}{(p.Critical is { } c ? $" critical>={c}" : "")}"));
            yield return $"Load gate for source {name}: {probes}; reopens after {load.IdleSamplesToReopen} idle samples every {load.SampleInterval}, hibernates {load.Hibernation}";
        }
        if (options.Demo.Enabled)
        {
            yield return $"Demo: source {options.Demo.Source} is created and seeded with {options.Demo.SeedPersons} persons if missing, {options.Demo.RowsPerInsert} new rows per table every {options.Demo.InsertInterval}";
        }
    }

    /// <summary>
    /// What the configuration exposes that an operator should know about but that is not an error: plain HTTP served
    /// beyond loopback (clear-text credentials are refused there, but the data itself travels unencrypted).
    /// </summary>
    public static IEnumerable<string> Warnings(ServiceOptions service)
    {
        foreach (var url in ListenUrls.PlainHttpOutsideLoopback(service.Web.Urls))
        {
            yield return $"Web:Urls serves plain HTTP beyond loopback ({url}): batches and answers cross the network unencrypted, and HTTP Basic and PasswordText credentials from other addresses are refused. Serve https:// (Security:Tls:CertificateFile) or put a TLS proxy in front (Web:TrustedProxies).";
        }
    }

    /// <summary>Where the service is and how to poll it (curl asks for the password: it is never logged).</summary>
    public static IEnumerable<string> Welcome(ICollection<string> addresses, ExchangeOptions options)
    {
        foreach (var address in addresses)
        {
            yield return $"Listening on {address}; WSDL at {address}/ExchangeService?wsdl";
        }

        var first = addresses.FirstOrDefault();
        var insurer = options.Principals.FirstOrDefault(p => p.Role == "insurer");
        if (first is not null && insurer is not null)
        {
            yield return
                $"Poll with: curl -s -u {insurer.Name} -H 'Content-Type: text/xml' -H 'SOAPAction: \"urn:exchange:v1/Poll\"' {first}/ExchangeService " +
                "-d '<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><Poll xmlns=\"urn:exchange:v1\"/></s:Body></s:Envelope>'";
        }
    }

    private static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
