using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml.Linq;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>The real <c>exchange</c> process on its shipped demo configuration: extract → poll → fetch → ack over real HTTP.</summary>
public sealed class DaemonEndToEndTests : IAsyncLifetime
{
    private const string Password = "demo-insurer-password";
    private static readonly XNamespace Ns = SoapClient.Ns;
    private readonly TestConfig _config = new();
    private ExchangeProcess? _daemon;

    public async Task InitializeAsync()
    {
        foreach (var dataset in _config.Schedule["Datasets"]!.AsArray())
        {
            dataset!["Cron"] = "0/1 * * * * ?";
        }

        _config.Exchange["Demo"]!["InsertInterval"] = "00:00:00.500";
        _daemon = ExchangeProcess.Start("run", "--config", _config.Write());
        await _daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        _config.Dispose();
    }

    [Fact]
    public async Task PollFetchAck_DeliversVerifiableBatches_AndAckMovesTheNextPollPastThem()
    {
        using var client = new SoapClient(_config.ServiceUrl, "demo-insurer", Password);
        var poll = await PollUntilBatchAsync(client);
        var first = poll.Elements(Ns + "Batch").First();
        var dataset = first.Element(Ns + "Dataset")!.Value;
        var seq = long.Parse(first.Element(Ns + "Seq")!.Value, System.Globalization.CultureInfo.InvariantCulture);

        var fetched = await client.CallOkAsync("FetchBatch", ("BatchId", first.Element(Ns + "BatchId")!.Value));
        var payload = Convert.FromBase64String(fetched.Element(Ns + "Payload")!.Value);
        var plain = Gunzip(payload);
        Assert.Equal(first.Element(Ns + "Sha256")!.Value, Convert.ToHexStringLower(SHA256.HashData(plain)));
        var lines = System.Text.Encoding.UTF8.GetString(plain).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(int.Parse(first.Element(Ns + "RowCount")!.Value, System.Globalization.CultureInfo.InvariantCulture), lines.Length);
        Assert.Contains("\"AAE036\"", lines[0], StringComparison.Ordinal);

        var ack = await client.CallOkAsync("Ack", ("Dataset", dataset), ("Seq", seq));
        Assert.Equal(seq.ToString(System.Globalization.CultureInfo.InvariantCulture), ack.Element(Ns + "AckedSeq")!.Value);

        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the demo insurer's agreed poll interval
        var next = await client.CallOkAsync("Poll", ("Dataset", dataset));
        Assert.All(next.Elements(Ns + "Batch"), b => Assert.True(long.Parse(b.Element(Ns + "Seq")!.Value, System.Globalization.CultureInfo.InvariantCulture) > seq));
    }

    [Fact]
    public async Task WrongPassword_GetsAuthFailedWithHttp500_AndThePasswordIsNeverLogged()
    {
        const string wrong = "not-the-password-7f3a9c";
        using var client = new SoapClient(_config.ServiceUrl, "demo-insurer", wrong) { UseUsernameToken = false };
        var (status, envelope) = await client.CallAsync("Poll");

        Assert.Equal(500, status);
        Assert.Equal("AuthFailed", SoapClient.FaultCode(envelope));
        Assert.DoesNotContain(wrong, envelope.ToString(), StringComparison.Ordinal);

        await _daemon!.WaitForLineAsync("Authentication failed for 'demo-insurer'", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(wrong, _daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, _daemon.Output, StringComparison.Ordinal);
        var logFile = Path.Combine(_config.LogDirectory, "exchange.log");
        Assert.True(File.Exists(logFile), "the rolling log file is written under the configured log folder");

        // The file target is async: wait until the failure is in the file, so that the file is checked with it in.
        var logged = await ReadSharedAsync(logFile);
        for (var tries = 0; !logged.Contains("Authentication failed for 'demo-insurer'", StringComparison.Ordinal); tries++)
        {
            Assert.True(tries < 100, "the authentication failure never reached exchange.log");
            await Task.Delay(100);
            logged = await ReadSharedAsync(logFile);
        }

        Assert.DoesNotContain(wrong, logged, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyThatIsNotXml_GetsInvalidRequest()
    {
        using var client = new SoapClient(_config.ServiceUrl, "demo-insurer", Password) { UseUsernameToken = false };
        var (status, envelope) = await client.PostAsync("Poll", "this is not xml");
        Assert.Equal(500, status);
        Assert.Equal("InvalidRequest", SoapClient.FaultCode(envelope));
    }

    [Fact]
    public async Task Wsdl_IsServed_AndDescribesPollFetchBatchAck()
    {
        using var http = new HttpClient();
        var wsdl = XDocument.Parse(await http.GetStringAsync(_config.ServiceUrl + "?wsdl"));
        XNamespace w = "http://schemas.xmlsoap.org/wsdl/";
        var operations = wsdl.Root!.Elements(w + "portType").Elements(w + "operation").Select(o => (string?)o.Attribute("name")).ToList();
        Assert.Contains("Poll", operations);
        Assert.Contains("FetchBatch", operations);
        Assert.Contains("Ack", operations);
    }

    private static async Task<XElement> PollUntilBatchAsync(SoapClient client)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var poll = await client.CallOkAsync("Poll", ("MaxBatches", 5));
            if (poll.Elements(Ns + "Batch").Any())
            {
                return poll;
            }

            await Task.Delay(TimeSpan.FromSeconds(1.1));
        }

        throw new TimeoutException("No batch was offered within 30 polls.");
    }

    private static byte[] Gunzip(byte[] payload)
    {
        using var input = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
