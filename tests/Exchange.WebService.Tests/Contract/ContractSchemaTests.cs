using System.Diagnostics;
using System.Xml.Linq;
using Exchange.Core.Delivery;
using Exchange.WebService.Soap;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Contract;

/// <summary>
/// The contract XSD checked by a validator nobody here wrote: <c>xmllint --schema</c> (libxml2-utils) validates sample
/// messages of every operation and messages the running service actually wrote; the in-process validator agrees.
/// </summary>
public sealed class ContractSchemaTests
{
    private static readonly string SamplesFolder = Path.Combine(AppContext.BaseDirectory, "Contract", "Samples");

    public static TheoryData<string> ValidSamples => [.. Samples("valid")];

    public static TheoryData<string> InvalidSamples => [.. Samples("invalid")];

    private static string XsdPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "src", "Exchange.WebService", "Contract", "ExchangeService.xsd");
                if (File.Exists(path))
                {
                    return path;
                }
            }

            throw new FileNotFoundException("src/Exchange.WebService/Contract/ExchangeService.xsd not found above " + AppContext.BaseDirectory);
        }
    }

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public void ValidSample_IsAcceptedByXmllint_AndByTheService(string file)
    {
        var path = Path.Combine(SamplesFolder, "valid", file);

        var (exit, output) = Xmllint(path);

        Assert.True(exit == 0, $"xmllint rejected {file}: {output}");
        var element = XDocument.Load(path).Root!;
        if (!element.Name.LocalName.EndsWith("Response", StringComparison.Ordinal) && element.Name.LocalName != "ExchangeFault")
        {
            new SoapContract().Validate(element);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public void InvalidSample_IsRejectedByXmllint_AndByTheService(string file)
    {
        var path = Path.Combine(SamplesFolder, "invalid", file);

        var (exit, output) = Xmllint(path);

        Assert.True(exit != 0, $"xmllint accepted {file}: {output}");
        var element = XDocument.Load(path).Root!;
        if (!element.Name.LocalName.EndsWith("Response", StringComparison.Ordinal))
        {
            Assert.Equal(ExchangeFaultCode.InvalidRequest, Assert.Throws<ExchangeFaultException>(() => new SoapContract().Validate(element)).Code);
        }
    }

    [Fact]
    public void EveryOperation_HasAValidRequestAndResponseSample()
    {
        string[] operations = ["Poll", "FetchBatch", "Ack", "SubmitRequest", "GetResponse", "PushBatch"];
        var samples = Samples("valid").Select(f => XDocument.Load(Path.Combine(SamplesFolder, "valid", f)).Root!.Name.LocalName).ToHashSet();

        Assert.All(operations.SelectMany(o => new[] { o, o + "Response" }).Append("ExchangeFault"), e => Assert.Contains(e, samples));
    }

    [Fact]
    public async Task ResponsesTheServiceWrites_AreAcceptedByXmllint()
    {
        await using var host = await StartAsync();
        using var folder = new TempDirectory();
        var batch = await host.AppendBatchAsync("AC01", 3);
        XElement[] bodies =
        [
            (await host.CallAsync("<x:Poll/>")).Ok("PollResponse"),
            (await host.CallAsync($"<x:FetchBatch><x:BatchId>{batch.BatchId}</x:BatchId></x:FetchBatch>")).Ok("FetchBatchResponse"),
            (await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>")).Ok("AckResponse"),
            (await host.CallAsync("<x:PushBatch><x:Dataset>AC01</x:Dataset><x:BatchKey>k1</x:BatchKey><x:Format>jsonl+gzip</x:Format><x:Payload>H4sIAAAAAAAAA6tWcnR0NjAwVLJSCgBROkC+q4GhpZKVoZGxnolpLRcAnPK60CIAAAA=</x:Payload></x:PushBatch>", user: Source, password: SourcePassword)).Ok("PushBatchResponse"),
            (await host.CallAsync("<x:Poll/>")).Body.Descendants(SoapReply.X + "ExchangeFault").Single(), // PollTooSoon, with RetryAfterSeconds
        ];

        foreach (var body in bodies)
        {
            var path = folder.File(body.Name.LocalName + ".xml");
            new XDocument(body).Save(path);
            var (exit, output) = Xmllint(path);
            Assert.True(exit == 0, $"xmllint rejected the service's {body.Name.LocalName}: {output}\n{body}");
        }
    }

    private static IEnumerable<string> Samples(string kind) =>
        Directory.GetFiles(Path.Combine(SamplesFolder, kind), "*.xml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal);

    private static (int Exit, string Output) Xmllint(string file)
    {
        var info = new ProcessStartInfo("xmllint") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--noout", "--nonet", "--schema", XsdPath, file })
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("xmllint is not installed: apt-get install libxml2-utils (.ci/run does this).");
        }

        using (process)
        {
            var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
    }
}
