using System.Text.Json.Nodes;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Requests;

/// <summary>The shipped demo configuration plus what the request tests need: more insurers, a source system, an external function code.</summary>
internal static class RequestTestSetup
{
    public const string DemoInsurer = "demo-insurer";
    public const string DemoPassword = "demo-insurer-password";
    public const string InsurerB = "insurer-b";
    public const string InsurerC = "insurer-c";
    public const string OtherPassword = "other-insurer-password";
    public const string SourceSystem = "ss-system";
    public const string SourcePassword = "ss-system-password";

    /// <summary>Function code answered by the source system (External mode).</summary>
    public const string ExternalCode = "9001";

    /// <summary>Allowed for the demo insurer but not configured in schedule.json.</summary>
    public const string UnconfiguredCode = "7777";

    public static void Apply(TestConfig config, string workerInterval = "00:00:00.500", string leaseTime = "00:00:03")
    {
        // Fewer PBKDF2 iterations than production keep a thousand calls fast; the code path is the same.
        var hasher = new Pbkdf2PasswordHasher(iterations: 1_000);
        var principals = config.Exchange["Principals"]!.AsArray();
        principals[0]!["FunctionCodes"] = new JsonArray("1101", "2101", ExternalCode, UnconfiguredCode);
        principals.Add(Principal(InsurerB, "insurer", hasher.Hash(OtherPassword), "1101", "2101"));
        principals.Add(Principal(InsurerC, "insurer", hasher.Hash(OtherPassword), "1101", "2101"));
        principals.Add(Principal(SourceSystem, "source", hasher.Hash(SourcePassword), ExternalCode));

        var requestTypes = config.Schedule["RequestTypes"]!.AsObject();
        requestTypes["WorkerInterval"] = workerInterval;
        requestTypes["LeaseTime"] = leaseTime;
        foreach (var type in requestTypes["Types"]!.AsArray())
        {
            type!["Timeout"] = "00:00:02";
        }

        requestTypes["Types"]!.AsArray().Add(new JsonObject
        {
            ["InfNo"] = ExternalCode,
            ["Mode"] = "External",
            ["Parameters"] = new JsonArray(new JsonObject { ["Name"] = "policyNo", ["Type"] = "String", ["Pattern"] = "P[0-9]{8}" }),
            ["Timeout"] = "00:00:02",
            ["Expiry"] = "00:30:00",
        });
    }

    /// <summary>How many requests the staging store holds for the insurer's MsgId.</summary>
    public static async Task<long> StoredRequestsAsync(TestConfig config, string insurer, string msgId) =>
        await ScalarAsync(config, "SELECT COUNT(*) FROM requests WHERE insurer = @insurer AND msg_id = @msgId", ("@insurer", insurer), ("@msgId", msgId));

    public static async Task<long> ScalarAsync(TestConfig config, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(config.DataDirectory, "staging.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A valid identity number (right check character) for person number <paramref name="n"/>; most do not exist in the demo source.</summary>
    public static string IdentityNumberFor(int n)
    {
        var body = $"110101{new DateOnly(1960, 1, 1).AddDays(n % 15000):yyyyMMdd}{n % 1000:D3}";
        return body + IdentityNumber.ComputeCheckCharacter(body);
    }

    private static JsonObject Principal(string name, string role, string hash, params string[] codes) => new()
    {
        ["Name"] = name,
        ["Role"] = role,
        ["PasswordHash"] = hash,
        ["Datasets"] = new JsonArray(),
        ["FunctionCodes"] = new JsonArray([.. codes.Select(c => (JsonNode)c)]),
        ["MinPollInterval"] = "00:00:01",
    };
}
