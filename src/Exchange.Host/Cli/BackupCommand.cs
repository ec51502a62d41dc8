using Exchange.Core.Operations;

namespace Exchange.Host.Cli;

/// <summary>
/// <c>exchange backup --to FILE</c>: SQLite's online backup of the staging store, safe while the daemon runs. The file is
/// new (never an existing file or a symbolic link), mode 0600, and appears under its name only once complete and on disk.
/// </summary>
internal static class BackupCommand
{
    public static async Task<int> RunAsync(IOperationsStore store, FileInfo target, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // A link at the target could point anywhere the operator may write (a config file, another store): not followed.
        if (target.LinkTarget is { } link)
        {
            await error.WriteLineAsync($"--to must name a new file, was '{target.FullName}', a symbolic link to '{link}'; backup does not follow links. Nothing was written.").ConfigureAwait(false);
            return 1;
        }

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
        catch (Exception failed) when (failed is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            await error.WriteLineAsync($"The backup to '{target.FullName}' failed ({failed.GetType().Name}: {failed.Message}). No partial copy was left behind.").ConfigureAwait(false);
            return 1;
        }

        target.Refresh();
        await output.WriteLineAsync($"Backup written to {target.FullName} ({target.Length} bytes).").ConfigureAwait(false);
        return 0;
    }
}
