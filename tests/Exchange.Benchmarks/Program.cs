using System.Diagnostics;
using System.Globalization;
using Exchange.Benchmarks;

// exchange-bench extract <source-connection-string> <sqlite|postgres> <staging-connection-string> <expected-rows>
// exchange-bench naive <source-connection-string> <seconds>
// exchange-bench xmin-scan <source-connection-string> <table-rows>
// exchange-bench reconcile <source-connection-string> <table-rows>
// exchange-bench soap-pipeline <nlog.config> [callers] [seconds per round] [rounds] [batches] [payload bytes]
// exchange-bench shared-limits <postgres-staging-connection-string> [calls] [callers]
return args switch
{
    ["extract", var source, var stagingProvider, var staging, var expected] =>
        await IdleExtraction.RunAsync(source, stagingProvider, staging, long.Parse(expected, CultureInfo.InvariantCulture)),
    ["naive", var source, var seconds] =>
        await NaiveExtractor.RunAsync(source, TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)), Stopwatch.StartNew()),
    ["xmin-scan", var source, var rows] =>
        await XminScan.RunAsync(source, long.Parse(rows, CultureInfo.InvariantCulture)),
    ["reconcile", var source, var rows] =>
        await Reconcile.RunAsync(source, long.Parse(rows, CultureInfo.InvariantCulture)),
    ["soap-pipeline", var nlog, .. var rest] =>
        await SoapPipeline.RunAsync(
            nlog,
            rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 64,
            TimeSpan.FromSeconds(rest.Length > 1 ? double.Parse(rest[1], CultureInfo.InvariantCulture) : 5),
            rest.Length > 2 ? int.Parse(rest[2], CultureInfo.InvariantCulture) : 4,
            rest.Length > 3 ? int.Parse(rest[3], CultureInfo.InvariantCulture) : 1,
            rest.Length > 4 ? int.Parse(rest[4], CultureInfo.InvariantCulture) : 1000),
    ["shared-limits", var staging, .. var rest] =>
        await SharedLimits.RunAsync(
            staging,
            rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 5000,
            rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 16),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: exchange-bench extract <source-cs> <sqlite|postgres> <staging-cs> <expected-rows> | naive <source-cs> <seconds> | xmin-scan <source-cs> <table-rows> | reconcile <source-cs> <table-rows> | soap-pipeline <nlog.config> [callers] [seconds] [rounds] [batches] [payload bytes] | shared-limits <postgres-staging-cs> [calls] [callers]");
    return 2;
}
