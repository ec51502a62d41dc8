using System.Diagnostics;
using System.Globalization;
using System.Text;
using Exchange.Core.Audit;
using Exchange.Core.Configuration;
using Exchange.Core.Diagnostics;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;
using Exchange.WebService;
using Exchange.WebService.Operations;
using Exchange.WebService.Operator;
using Exchange.WebService.Soap;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NLog;
using NLog.Extensions.Logging;

namespace Exchange.Benchmarks;

/// <summary>
/// The SOAP pipeline without HTTP: <c>SoapEndpoint.HandlePostAsync</c> wired as the host wires it (a SQLite staging store,
/// the audit table and the NLog audit file of <c>config/nlog.config</c>, the Prometheus meter adapter), called with an
/// authenticated <c>Poll</c> by 64 concurrent callers in this process. Prints the process's CPU time per call, calls per
/// second and bytes allocated per call, then what each step costs alone on one thread. Kestrel, sockets and the load
/// client are left out; CPU per call is the steadier figure (105 to 120 µs over eight runs on the 2-core machine).
/// </summary>
internal static class SoapPipeline
{
    private const string User = "bench-insurer";
    private const string Password = "bench-password-0123456789";

    public static async Task<int> RunAsync(string nlogConfig, int callers, TimeSpan round, int rounds, int batches, int payloadBytes)
    {
        var folder = Directory.CreateTempSubdirectory("exchange-soap-pipeline");
        try
        {
            NLogSetup.Configure(LogManager.LogFactory, nlogConfig, Path.Combine(folder.FullName, "logs"));
            using var store = new SqliteStagingStore($"Data Source={Path.Combine(folder.FullName, "staging.db")}", TimeProvider.System);
            await store.MigrateAsync(default);
            for (var b = 0; b < batches; b++)
            {
                // Random bytes, as incompressible as a real gzip payload.
                var payload = new byte[payloadBytes];
                Random.Shared.NextBytes(payload);
                await store.AppendBatchAsync(new NewBatch("BX01", 10, "jsonl+gzip", payload, new string('a', 64), null, null, BatchOrigin.Extracted), default);
            }

            var options = new ExchangeOptions
            {
                Principals = [new PrincipalOptions { Name = User, Role = "insurer", PasswordHash = new Pbkdf2PasswordHasher().Hash(Password), Datasets = ["BX01"], MinPollInterval = TimeSpan.Zero }],
            };
            options.Security.RateLimit.PermitsPerSecond = 0;
            _ = PrometheusMetrics.Instance;
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddNLog());
            services.AddStagingStore(_ => store);
            var service = new ServiceOptions();
            services.AddSingleton(Options.Create(options));
            services.AddSingleton(Options.Create(service));
            services.AddExchangeWebService();
            await using var provider = services.BuildServiceProvider();
            var endpoint = provider.GetRequiredService<SoapEndpoint>();
            var body = Encoding.UTF8.GetBytes(
                Envelopes.Of(Envelopes.Soap11, "<x:Poll><x:Dataset>BX01</x:Dataset></x:Poll>", Envelopes.TextToken(User, Password, typed: false), declaration: false));

            Console.WriteLine($"soap-pipeline: {callers} callers, {rounds} rounds of {round.TotalSeconds:0.#} s (the first two warm up), {batches} unacknowledged batches of {payloadBytes} B listed by each Poll, {Environment.ProcessorCount} cores");
            // One call first: it checks the password (PBKDF2) once and caches it; 64 first calls at once would meet the
            // service's limit of concurrent password checks and be refused.
            await CallAsync(endpoint, body);
            double cpu = 0, rate = 0, allocated = 0;
            for (var r = 0; r < rounds; r++)
            {
                (cpu, rate, allocated) = await ConcurrentRoundAsync(endpoint, body, callers, round);
                Console.WriteLine($"round {r + 1}: {rate:0} calls/s, {cpu:0.0} us CPU/call, {allocated:0} B allocated/call");
            }

            await StepsAsync(provider, endpoint, body, service);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soap-pipeline cpu_us_per_call={cpu:0.0} calls_per_s={rate:0} alloc_bytes_per_call={allocated:0}"));
            return 0;
        }
        finally
        {
            LogManager.Shutdown();
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(double CpuMicroseconds, double Rate, double Allocated)> ConcurrentRoundAsync(SoapEndpoint endpoint, byte[] body, int callers, TimeSpan round)
    {
        long calls = 0;
        var stop = Stopwatch.GetTimestamp() + (long)(round.TotalSeconds * Stopwatch.Frequency);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < stop)
            {
                await CallAsync(endpoint, body);
                Interlocked.Increment(ref calls);
            }
        })));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / calls, calls / seconds, (double)(GC.GetTotalAllocatedBytes() - allocated) / calls);
    }

    private static async Task CallAsync(SoapEndpoint endpoint, byte[] body)
    {
        var context = NewContext(body);
        await endpoint.HandlePostAsync(context);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"Poll answered HTTP {context.Response.StatusCode}: {Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray())}");
        }
    }

    private static DefaultHttpContext NewContext(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "text/xml; charset=utf-8";
        context.Request.Headers["SOAPAction"] = "\"urn:exchange:v1/Poll\"";
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.ContentLength = body.Length;
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        context.Response.Body = new MemoryStream();
        return context;
    }

    // Each step of a Poll alone, on one thread: what the concurrent figure is made of (the rest is the audit table's
    // group commit, thread hand-offs and the GC). The whole call with one caller waits for a commit (an fsync) of its own.
    private static async Task StepsAsync(ServiceProvider provider, SoapEndpoint endpoint, byte[] body, ServiceOptions service)
    {
        var reader = new SoapEnvelopeReader(SoapReaderLimits.ForBody(service.Web.MaxRequestBodyBytes));
        var contract = provider.GetRequiredService<SoapContract>();
        var authenticator = provider.GetRequiredService<PrincipalAuthenticator>();
        var poll = provider.GetServices<ISoapOperation>().Single(o => o.Name == "Poll");
        var envelope = reader.Read(new MemoryStream(body), SoapVersion.Soap11);
        var principal = (await authenticator.AuthenticateAsync(User, Password))!;
        var pollAudit = new AuditRecord(new AuditEntry(TimeProvider.System.GetUtcNow(), User, "Poll", null, "ok", "127.0.0.1"));
        var writeBody = await poll.InvokeAsync(principal, envelope.Body, pollAudit, default);
        var auditFile = provider.GetRequiredService<ILoggerFactory>().CreateLogger(AuditLog.LoggerName);
        var sample = NewContext(body);

        await StepAsync("content type and action", () => _ = SoapVersion.FromRequest(sample.Request));
        await StepAsync("read envelope", () => _ = reader.Read(new MemoryStream(body), SoapVersion.Soap11));
        await StepAsync("credentials", () => _ = SoapCredentials.From(envelope, null));
        await StepAsync("authenticate (cached)", async () => _ = await authenticator.AuthenticateAsync(User, Password));
        await StepAsync("validate (XSD)", () => contract.Validate(envelope.Body));
        await StepAsync("Poll (2 staging reads)", async () => _ = await poll.InvokeAsync(principal, envelope.Body, pollAudit, default));
        await StepAsync("write response", async () =>
        {
            var context = new DefaultHttpContext();
            context.Response.Body = Stream.Null;
            await SoapResponseWriter.WriteResponseAsync(context.Response, SoapVersion.Soap11, writeBody);
        });
        await StepAsync("metrics", () => ExchangeMetrics.Instance.SoapCall("Poll", "ok", ExchangeMetrics.Start()));
        await StepAsync("audit file line", () => AuditLog.Call(auditFile, "Poll", User, "BX01", "ok", "127.0.0.1", "SOAP 1.1"));
        await StepAsync("whole call, one caller", () => CallAsync(endpoint, body), 2_000);
    }

    private static Task StepAsync(string name, Action step) => StepAsync(name, () =>
    {
        step();
        return Task.CompletedTask;
    });

    private static async Task StepAsync(string name, Func<Task> step, int iterations = 50_000)
    {
        for (var i = 0; i < iterations / 5; i++)
        {
            await step();
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
        {
            await step();
        }

        var microseconds = Stopwatch.GetElapsedTime(started).TotalMicroseconds / iterations;
        Console.WriteLine($"  step {name,-26} {microseconds,8:0.00} us {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / iterations,7} B");
    }
}
