using Exchange.Host.Cli;

namespace Exchange.Host;

/// <summary>The <c>exchange</c> executable: the daemon and its operator verbs.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => ExchangeCommandLine.InvokeAsync(args);
}
