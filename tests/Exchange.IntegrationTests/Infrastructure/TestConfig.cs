using System.Text.Json.Nodes;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>A config folder for a test daemon: the shipped files, with a free port and a private data folder.</summary>
public sealed class TestConfig : IDisposable
{
    private readonly TempDirectory _root = new("exchange-host");

    public TestConfig()
    {
        Port = FreePorts.Next();
        Directory.CreateDirectory(ConfigDirectory);
        var shipped = Path.Combine(ExchangeProcess.RepositoryRoot, "config");
        File.Copy(Path.Combine(shipped, "nlog.config"), Path.Combine(ConfigDirectory, "nlog.config"));
        AppSettings = JsonNode.Parse(File.ReadAllText(Path.Combine(shipped, "appsettings.json")))!.AsObject();
        Schedule = JsonNode.Parse(File.ReadAllText(Path.Combine(shipped, "schedule.json")))!.AsObject();
        Exchange["Web"]!["Urls"] = BaseUrl;
        Exchange["Operator"] = new JsonObject { ["Urls"] = $"http://127.0.0.1:{FreePorts.Next()}" };
    }

    public string Root => _root.Path;

    public string ConfigDirectory => Path.Combine(_root.Path, "config");

    public string DataDirectory => Path.Combine(_root.Path, "data");

    public string LogDirectory => Path.Combine(_root.Path, "logs");

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string ServiceUrl => BaseUrl + "/ExchangeService";

    public JsonObject AppSettings { get; }

    public JsonObject Exchange => AppSettings["Exchange"]!.AsObject();

    public JsonObject Schedule { get; }

    /// <summary>Writes appsettings.json and schedule.json; returns the config folder.</summary>
    public string Write()
    {
        File.WriteAllText(Path.Combine(ConfigDirectory, "appsettings.json"), AppSettings.ToJsonString());
        File.WriteAllText(Path.Combine(ConfigDirectory, "schedule.json"), Schedule.ToJsonString());
        return ConfigDirectory;
    }

    public void Dispose()
    {
        // The daemon's log files go to the scan for identity numbers (tests/security/scan-identity-numbers.sh).
        TestLogs.Keep(LogDirectory, System.IO.Path.GetFileName(_root.Path));
        _root.Dispose();
    }

}
