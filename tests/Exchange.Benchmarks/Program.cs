using System.Diagnostics;
using System.Globalization;
using Exchange.Benchmarks;

// exchange-bench extract <source-connection-string> <sqlite|postgres> <staging-connection-string> <expected-rows>
// exchange-bench naive <source-connection-string> <seconds>
return args switch
{
    ["extract", var source, var stagingProvider, var staging, var expected] =>
        await IdleExtraction.RunAsync(source, stagingProvider, staging, long.Parse(expected, CultureInfo.InvariantCulture)),
    ["naive", var source, var seconds] =>
        await NaiveExtractor.RunAsync(source, TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)), Stopwatch.StartNew()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: exchange-bench extract <source-cs> <sqlite|postgres> <staging-cs> <expected-rows> | naive <source-cs> <seconds>");
    return 2;
}
