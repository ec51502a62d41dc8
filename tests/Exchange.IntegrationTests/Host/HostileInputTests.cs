using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Exchange.IntegrationTests.Host;

/// <summary>One real daemon that every hostile case of <see cref="HostileInputTests"/> is sent to.</summary>
public sealed class HostileDaemon : IAsyncLifetime
{
    public const string InsurerA = "hostile-a";
    public const string InsurerB = "hostile-b";
    public const string Digest = "hostile-digest";
    public const string Source = "hostile-source";
    public const string Password = "hostile-password-1";
    public const string DigestSecret = "hostile-digest-secret-1";

    private readonly TestConfig _config = new();
    private int _callers;

    public ExchangeProcess Daemon { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string ServiceUrl => _config.ServiceUrl;

    public string StagingFile => Path.Combine(_config.DataDirectory, "staging.db");

    public string AuditFile => Path.Combine(_config.LogDirectory, "audit.log");

    /// <summary>The batch of insurer B's dataset that insurer A must not reach.</summary>
    public long OtherInsurersBatchId { get; private set; }

    public async Task InitializeAsync()
    {
        var hasher = new Pbkdf2PasswordHasher(iterations: 1_000);
        JsonObject Principal(string name, string role, string dataset, string interval = "00:00:00") => new()
        {
            ["Name"] = name, ["Role"] = role, ["PasswordHash"] = hasher.Hash(name == Digest ? DigestSecret : Password),
            ["Datasets"] = new JsonArray(dataset), ["FunctionCodes"] = new JsonArray(), ["MinPollInterval"] = interval,
        };
        _config.Exchange["Demo"]!["Enabled"] = false;
        _config.Schedule["Datasets"] = new JsonArray();
        _config.Exchange["Principals"] = new JsonArray(
            Principal(InsurerA, "insurer", "HX01"), Principal(InsurerB, "insurer", "HX02"), Principal(Digest, "insurer", "HX01"), Principal(Source, "source", "HX02"));
        var secretFile = Path.Combine(_config.Root, "digest.secret");
        await File.WriteAllTextAsync(secretFile, DigestSecret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        _config.Exchange["Security"] = new JsonObject
        {
            ["DigestSecrets"] = new JsonArray(new JsonObject { ["Principal"] = Digest, ["File"] = secretFile }),
            ["RateLimit"] = new JsonObject { ["PermitsPerSecond"] = 0 },
        };

        // Each call comes from an address of its own, forwarded by the test as a TLS-terminating trusted proxy would, so each
        // hostile call opens its own aggregated audit record and is in the audit file at once.
        _config.Exchange["Web"]!["TrustedProxies"] = new JsonArray("127.0.0.1");
        Daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await Daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));

        var pushed = await PostAsync(Envelope(Text(Source, Password),
            $"<x:PushBatch><x:Dataset>HX02</x:Dataset><x:BatchKey>b-1</x:BatchKey><x:Format>jsonl+gzip</x:Format><x:Payload>{Gzip("{\"AAC002\":\"11010519491231002X\"}\n")}</x:Payload></x:PushBatch>"));
        OtherInsurersBatchId = long.Parse(pushed.Body.Descendants(SoapClient.Ns + "BatchId").Single().Value, CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Daemon.DisposeAsync();
        _config.Dispose();
    }

    public async Task<Reply> PostAsync(string body, string contentType = "text/xml; charset=utf-8") => await PostAsync(new StringContent(body, Encoding.UTF8), contentType);

    public async Task<Reply> PostAsync(HttpContent content, string contentType)
    {
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        // Expect: 100-continue, as curl sends for large bodies: a body refused by its length is never sent, and the fault is read.
        using var request = new HttpRequestMessage(HttpMethod.Post, ServiceUrl) { Content = content };
        request.Headers.ExpectContinue = true;
        var caller = Interlocked.Increment(ref _callers);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"198.51.{100 + (caller / 250)}.{caller % 250 + 1}");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        using var response = await Http.SendAsync(request);
        return new Reply(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Rows in the staging tables that a refused call must not change.</summary>
    public async Task<string> StoredStateAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={StagingFile};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM batches) || '/' || (SELECT COUNT(*) FROM push_keys) || '/' || (SELECT COALESCE(SUM(acked_seq), 0) FROM cursors) || '/' || (SELECT COUNT(*) FROM requests)";
        return (string)(await command.ExecuteScalarAsync())!;
    }

    // Every hostile call is in the minimal form curl users write: no XML declaration, no optional token attributes.
    public static string Envelope(string header, string body) => Envelopes.Of(Envelopes.Soap11, body, header, declaration: false);

    public static string Text(string user, string password) => Envelopes.TextToken(user, password, typed: false);

    public static string DigestToken(string user, string secret, DateTimeOffset created) => Envelopes.DigestToken(user, secret, created, typed: false);

    public static string Gzip(string text)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return Convert.ToBase64String(compressed.ToArray());
    }

    public sealed record Reply(HttpStatusCode Status, string Text)
    {
        public XElement Body => XDocument.Parse(Text).Root!.Elements().Single(e => e.Name.LocalName == "Body").Elements().Single();

        public string? FaultCode => XDocument.Parse(Text).Descendants(SoapClient.Ns + "ExchangeFault").SingleOrDefault()?.Element(SoapClient.Ns + "Code")?.Value;
    }
}

/// <summary>
/// Hostile input against the real daemon: each case gets its fault code, stores nothing, leaves the service up, and is in
/// the audit log file as a refusal. The daemon's memory is printed (run with --logger "console;verbosity=detailed").
/// </summary>
public sealed class HostileInputTests(HostileDaemon daemon, ITestOutputHelper output) : IClassFixture<HostileDaemon>
{
    public static TheoryData<string> Cases => [.. HostileCases.Keys];

    private static readonly Dictionary<string, (string Fault, Func<HostileDaemon, Task<HostileDaemon.Reply>> Send)> HostileCases = new()
    {
        ["billion laughs"] = ("InvalidRequest", d => d.PostAsync("""
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x:Poll xmlns:x="urn:exchange:v1"><x:Dataset>&lol9;</x:Dataset></x:Poll></s:Body></s:Envelope>
            """)),
        ["external entity"] = ("InvalidRequest", d => d.PostAsync("""
            <?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x:Poll xmlns:x="urn:exchange:v1"><x:Dataset>&xxe;</x:Dataset></x:Poll></s:Body></s:Envelope>
            """)),
        ["deep nesting"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(
            HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), string.Concat(Enumerable.Repeat("<a>", 100_000)) + string.Concat(Enumerable.Repeat("</a>", 100_000))))),
        ["50 MB body"] = ("InvalidRequest", d => d.PostAsync(new ByteArrayContent(new byte[50 * 1024 * 1024]), "text/xml")),
        ["50 MB chunked body"] = ("InvalidRequest", d => d.PostAsync(new StreamContent(new ZeroStream(50 * 1024 * 1024)), "text/xml")),
        ["truncated XML"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:Poll><x:Dataset>HX01</x:Dat")[..^20])),
        ["wrong namespace"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<Poll xmlns=\"urn:exchange:v2\"/>"))),
        ["wrong types"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:Ack><x:Dataset>HX01</x:Dataset><x:Seq>three</x:Seq></x:Ack>"))),
        ["unknown operation"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:DeleteEverything/>"))),
        ["SQL-looking dataset"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:Ack><x:Dataset>HX01'; DROP TABLE batches;--</x:Dataset><x:Seq>1</x:Seq></x:Ack>"))),
        ["SQL-looking batch id"] = ("InvalidRequest", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:FetchBatch><x:BatchId>1 OR 1=1</x:BatchId></x:FetchBatch>"))),
        ["SQL-looking user name"] = ("AuthFailed", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text("admin' OR '1'='1", "x' OR '1'='1"), "<x:Poll/>"))),
        ["replayed nonce"] = ("AuthFailed", async d =>
        {
            var token = HostileDaemon.DigestToken(HostileDaemon.Digest, HostileDaemon.DigestSecret, DateTimeOffset.UtcNow);
            var first = await d.PostAsync(HostileDaemon.Envelope(token, "<x:Poll/>"));
            Assert.Equal(HttpStatusCode.OK, first.Status);
            return await d.PostAsync(HostileDaemon.Envelope(token, "<x:Ack><x:Dataset>HX01</x:Dataset><x:Seq>0</x:Seq></x:Ack>"));
        }),
        ["stale Created"] = ("AuthFailed", d => d.PostAsync(HostileDaemon.Envelope(
            HostileDaemon.DigestToken(HostileDaemon.Digest, HostileDaemon.DigestSecret, DateTimeOffset.UtcNow.AddMinutes(-10)), "<x:Poll/>"))),
        ["wrong password"] = ("AuthFailed", d => d.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, "wrong-password-9"), "<x:Poll/>"))),
        ["other insurer's batch"] = ("UnknownBatch", d => d.PostAsync(HostileDaemon.Envelope(
            HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), $"<x:FetchBatch><x:BatchId>{d.OtherInsurersBatchId}</x:BatchId></x:FetchBatch>"))),
        ["other insurer's dataset ack"] = ("Forbidden", d => d.PostAsync(HostileDaemon.Envelope(
            HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:Ack><x:Dataset>HX02</x:Dataset><x:Seq>1</x:Seq></x:Ack>"))),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileInput_GetsItsFault_StoresNothing_LeavesTheServiceUp_AndIsAudited(string name)
    {
        var (fault, send) = HostileCases[name];
        var before = await daemon.StoredStateAsync();
        var auditLines = File.Exists(daemon.AuditFile) ? (await ReadSharedAsync(daemon.AuditFile)).Length : 0;

        var reply = await send(daemon);

        Assert.True(reply.Status is HttpStatusCode.InternalServerError or HttpStatusCode.RequestEntityTooLarge, $"{name}: HTTP {(int)reply.Status}: {reply.Text}");
        Assert.Equal(fault, reply.FaultCode);
        Assert.DoesNotContain("root:", reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Exchange.", reply.Text, StringComparison.Ordinal);
        Assert.Equal(before, await daemon.StoredStateAsync());

        var alive = await daemon.PostAsync(HostileDaemon.Envelope(HostileDaemon.Text(HostileDaemon.InsurerA, HostileDaemon.Password), "<x:Poll/>"));
        Assert.Equal(HttpStatusCode.OK, alive.Status);
        Assert.False(daemon.Daemon.HasExited);

        var newLines = (await ReadSharedAsync(daemon.AuditFile)).Skip(auditLines).ToList();
        Assert.Contains(newLines, l => l.Contains($"outcome={fault}", StringComparison.Ordinal));
        Assert.All(newLines, l => Assert.DoesNotContain("11010519491231002X", l, StringComparison.Ordinal));
        output.WriteLine($"{name}: HTTP {(int)reply.Status} {reply.FaultCode}; daemon memory {Memory(daemon.Daemon.ProcessId)}");
    }

    private static string Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        string Field(string key) => status.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?[(key.Length + 1)..].Trim() ?? "?";
        return $"peak working set (VmHWM) {Field("VmHWM")}, now (VmRSS) {Field("VmRSS")}";
    }

    private static async Task<string[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A stream of zero bytes of a given length without a known length up front (sent chunked).</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
