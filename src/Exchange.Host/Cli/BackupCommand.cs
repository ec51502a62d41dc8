using Exchange.Core.Operations;

namespace Exchange.Host.Cli;

/// <summary><c>exchange backup --to FILE</c>: SQLite's online backup of the staging store, safe while the daemon runs.</summary>
internal static class BackupCommand
{
    public static async Task<int> RunAsync(IOperationsStore store, FileInfo target, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (target.Exists)
        {
            await error.WriteLineAsync($"--to must name a file that does not exist yet, was '{target.FullName}' (it exists). Nothing was written.").ConfigureAwait(false);
            return 1;
        }

        if (target.Directory is { Exists: false } folder)
        {
            await error.WriteLineAsync($"--to must be in an existing folder, '{folder.FullName}' does not exist. Nothing was written.").ConfigureAwait(false);
            return 1;
        }

        try
        {
            await store.BackupAsync(target.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException notSupported)
        {
            await error.WriteLineAsync(notSupported.Message).ConfigureAwait(false);
            return 1;
        }

        target.Refresh();
        await output.WriteLineAsync($"Backup written to {target.FullName} ({target.Length} bytes).").ConfigureAwait(false);
        return 0;
    }
}
