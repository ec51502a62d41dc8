using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>
/// Two real daemons on one PostgreSQL staging store enforce the limits together: behind a load balancer an insurer can
/// neither replay a digest token on the other node nor poll faster than agreed by alternating nodes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedLimitsTests(PostgresCluster cluster) : IDisposable
{
    private const string Paced = "paced-insurer";
    private const string Digest = "digest-insurer";
    private const string Password = "paced-password-1";
    private const string DigestSecret = "shared-digest-secret-1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private readonly TestConfig _a = new();
    private readonly TestConfig _b = new();

    [PostgresFact]
    public async Task TwoNodesOnOneStore_RefuseOnBADigestTokenAcceptedOnA_AndPacePollsAcrossBoth()
    {
        var staging = await cluster.CreateDatabaseAsync("shared_limits");
        var hasher = new Pbkdf2PasswordHasher(iterations: 1_000);
        var secretFile = Path.Combine(_a.Root, "digest.secret");
        await File.WriteAllTextAsync(secretFile, DigestSecret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        foreach (var (config, node) in new[] { (_a, "node-a"), (_b, "node-b") })
        {
            JsonObject Principal(string name, string secret, string interval) => new()
            {
                ["Name"] = name, ["Role"] = "insurer", ["PasswordHash"] = hasher.Hash(secret),
                ["Datasets"] = new JsonArray("SL01"), ["FunctionCodes"] = new JsonArray(), ["MinPollInterval"] = interval,
            };
            config.Exchange["NodeName"] = node;
            config.Exchange["Staging"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = staging };
            config.Exchange["Demo"]!["Enabled"] = false;
            config.Schedule["Datasets"] = new JsonArray();
            config.Exchange["Principals"] = new JsonArray(Principal(Paced, Password, "00:01:00"), Principal(Digest, DigestSecret, "00:00:00"));
            config.Exchange["Security"] = new JsonObject
            {
                ["DigestSecrets"] = new JsonArray(new JsonObject { ["Principal"] = Digest, ["File"] = secretFile }),
            };
        }

        await using var a = ExchangeProcess.Start("run", "--config", _a.Write());
        await a.WaitForLineAsync("WSDL at", Wait);
        await using var b = ExchangeProcess.Start("run", "--config", _b.Write());
        await b.WaitForLineAsync("WSDL at", Wait);

        // A PasswordDigest token accepted by node A is a replay on node B.
        var token = Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(Digest, DigestSecret, DateTimeOffset.UtcNow));
        using var digestToA = new SoapClient(_a.ServiceUrl, Digest, "") { UseUsernameToken = false };
        using var digestToB = new SoapClient(_b.ServiceUrl, Digest, "") { UseUsernameToken = false };
        var (acceptedStatus, accepted) = await PostAsync(digestToA, token);
        Assert.True(acceptedStatus == 200, $"node A refused a fresh digest token: {accepted}");
        var (replayStatus, replay) = await PostAsync(digestToB, token);
        Assert.Equal(500, replayStatus);
        Assert.Equal("AuthFailed", SoapClient.FaultCode(replay));
        Assert.Contains("this wsse:Nonce was already used", replay.ToString(), StringComparison.Ordinal);

        // A fresh token is accepted by node B: it is the nonce that was refused, not the principal.
        var (freshStatus, _) = await PostAsync(digestToB, Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(Digest, DigestSecret, DateTimeOffset.UtcNow)));
        Assert.Equal(200, freshStatus);

        // A poll on node B within the agreed minute after one on node A is PollTooSoon.
        using var pacedViaA = new SoapClient(_a.ServiceUrl, Paced, Password);
        using var pacedViaB = new SoapClient(_b.ServiceUrl, Paced, Password);
        await pacedViaA.CallOkAsync("Poll");
        var (tooSoonStatus, tooSoon) = await pacedViaB.CallAsync("Poll");
        Assert.Equal(500, tooSoonStatus);
        Assert.Equal("PollTooSoon", SoapClient.FaultCode(tooSoon));
        var retryAfter = int.Parse(tooSoon.Descendants(SoapClient.Ns + "RetryAfterSeconds").Single().Value, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 50, 60);
        Assert.Equal("PollTooSoon", SoapClient.FaultCode((await pacedViaA.CallAsync("Poll")).Envelope));

        Assert.Equal(0, await a.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await b.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static Task<(int Status, XDocument Envelope)> PostAsync(SoapClient client, string envelope) => client.PostAsync("Poll", envelope);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
