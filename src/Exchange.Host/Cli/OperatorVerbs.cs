using System.CommandLine;
using Exchange.Core.Operations;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;

namespace Exchange.Host.Cli;

/// <summary>
/// The operator verbs <c>status</c>, <c>replay</c>, <c>purge</c>, <c>backup</c>, <c>backfill</c> and <c>reset-watermark</c>;
/// each verb's work is in its own file.
/// </summary>
internal static class OperatorVerbs
{
    public static void AddTo(RootCommand root)
    {
        var status = new Command("status", "Show the gate, each dataset's watermark and last batch, each insurer's backlog and last poll, and requests by status.");
        status.SetAction((result, token) => WithStoreAsync(result, StoreUse.ReadCurrentSchema, (_, loaded, store) => StatusCommand.RunAsync(loaded.Options, store, Console.Out, token)));

        var insurer = new Option<string>("--insurer") { Description = "Insurer (principal name) whose cursor moves back", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name", Required = true };
        var fromSeq = new Option<long>("--from-seq") { Description = "First batch sequence number to deliver again", Required = true };
        var replay = new Command("replay", "Move an insurer's cursor back so batches from --from-seq on are delivered again (audited).") { insurer, dataset, fromSeq };
        replay.SetAction((result, token) => WithStoreAsync(result, StoreUse.Migrate, (_, loaded, store) => ReplayCommand.RunAsync(
            loaded.Options, store, result.GetValue(insurer)!, result.GetValue(dataset)!, result.GetValue(fromSeq), Environment.UserName, Console.Out, Console.Error, token)));

        var purge = new Command("purge", "Apply the retention of Exchange:Retention now and print (and log) what was removed.");
        purge.SetAction((result, token) => WithStoreAsync(result, StoreUse.Migrate, (location, loaded, store) => PurgeCommand.RunAsync(location, loaded, store, Console.Out, token)));

        var to = new Option<FileInfo>("--to") { Description = "File to write the backup to (must not exist)", Required = true };
        var backup = new Command("backup", "Copy the SQLite staging store to --to with SQLite's online backup; the daemon may keep running.") { to };
        backup.SetAction((result, token) => WithStoreAsync(result, StoreUse.CopyAsIs, (_, _, store) => BackupCommand.RunAsync(store, result.GetValue(to)!, Console.Out, Console.Error, token)));

        var backfillDataset = new Argument<string>("DATASET") { Description = "Dataset name, as in schedule.json" };
        var backfillFrom = new Option<string>("--from")
        {
            Description = "Rows stamped after this time are read (ISO 8601 such as 2026-12-01T00:00:00+08:00; without an offset, the source's TimeZoneOffset)",
            Required = true,
        };
        var backfillTo = new Option<string>("--to") { Description = "...up to and including this time (same format); must be after --from", Required = true };
        var backfill = new Command(
            "backfill",
            "Read a time range of a dataset again and store it as new batches (origin backfill, audited) while the load gate is open; the watermark stays. " +
            "Refused while another process or node holds the dataset. Not for xmin datasets (see reset-watermark).")
        { backfillDataset, backfillFrom, backfillTo };
        backfill.SetAction((result, token) => WithDatabaseAsync(result, StoreUse.Migrate, (location, loaded, database) => BackfillCommand.RunAsync(
            location, loaded, database, result.GetValue(backfillDataset)!, result.GetValue(backfillFrom)!, result.GetValue(backfillTo)!, CommandConsole.System, token)));

        var resetDataset = new Argument<string>("DATASET") { Description = "Dataset name, as in schedule.json" };
        var resetTo = new Option<string>("--to")
        {
            Description = "Move the watermark back so rows stamped after this time are extracted again (ISO 8601 such as 2026-12-01T00:00:00+08:00); " +
                "for an xmin dataset a transaction id (xid8): rows last written by it or later transactions",
            Required = true,
        };
        var yes = new Option<bool>("--yes") { Description = "Confirm without a prompt (for scripts); without a terminal and without --yes the command refuses" };
        var resetWatermark = new Command(
            "reset-watermark",
            "Move a dataset's watermark back (asks for confirmation; audited), so its next run extracts again from there. " +
            "Also ends a stop for a changed key or watermark column. Refused while another process or node holds the dataset.")
        { resetDataset, resetTo, yes };
        resetWatermark.SetAction((result, token) => WithDatabaseAsync(result, StoreUse.Migrate, (_, loaded, database) => ResetWatermarkCommand.RunAsync(
            loaded, database, result.GetValue(resetDataset)!, result.GetValue(resetTo)!, result.GetValue(yes), CommandConsole.System, token)));

        var service = new Command("service", "Run the daemon under the Windows service control manager (registered by install/install-windows.ps1).");
        service.SetAction((result, token) => ExchangeCommandLine.TryLocate(result, out var location)
            ? ServiceCommand.RunAsync(location, Console.Error, token)
            : Task.FromResult(ExchangeCommandLine.ExitConfiguration));

        root.Subcommands.Add(status);
        root.Subcommands.Add(service);
        root.Subcommands.Add(replay);
        root.Subcommands.Add(purge);
        root.Subcommands.Add(backup);
        root.Subcommands.Add(backfill);
        root.Subcommands.Add(resetWatermark);
    }

    /// <summary>What a verb may do to the staging store before its work.</summary>
    private enum StoreUse
    {
        /// <summary>Create or migrate it (the verbs that write: replay, purge, backfill, reset-watermark).</summary>
        Migrate,

        /// <summary>Read an existing store at this build's schema version; create and migrate nothing (status).</summary>
        ReadCurrentSchema,

        /// <summary>Use an existing store at any schema version, as it is (backup: the copy before an upgrade is the point).</summary>
        CopyAsIs,
    }

    /// <summary>Validates the configuration, opens the staging store as <paramref name="use"/> allows, runs <paramref name="action"/> and closes the store.</summary>
    private static Task<int> WithStoreAsync(ParseResult result, StoreUse use, Func<ConfigLocation, LoadedConfiguration, IOperationsStore, Task<int>> action) =>
        WithDatabaseAsync(result, use, (location, loaded, database) => action(location, loaded, new OperationsStore(database, TimeProvider.System)));

    /// <summary>As <see cref="WithStoreAsync"/>, for the verbs that use more of the staging database than its operator store.</summary>
    private static async Task<int> WithDatabaseAsync(ParseResult result, StoreUse use, Func<ConfigLocation, LoadedConfiguration, StagingDatabase, Task<int>> action)
    {
        if (!ExchangeCommandLine.TryLocate(result, out var location))
        {
            return ExchangeCommandLine.ExitConfiguration;
        }

        var loaded = ExchangeConfiguration.Load(location);
        var options = loaded.Options;
        if (loaded.Problems.Count > 0)
        {
            foreach (var problem in loaded.Problems)
            {
                await Console.Error.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
            }

            return ExchangeCommandLine.ExitConfiguration;
        }

        // Opening a SQLite file that is not there would create it (and its folder): a read-only verb says so instead.
        if (use != StoreUse.Migrate && options.Staging.Provider == "sqlite"
            && SqliteStagingDatabase.DatabaseFile(options.Staging.ConnectionString) is var file && !File.Exists(file))
        {
            await Console.Error.WriteLineAsync(
                $"There is no staging store at '{file}' (Exchange:Staging:ConnectionString): the daemon or 'exchange migrate' creates it. Nothing was created.").ConfigureAwait(false);
            return 1;
        }

        var database = StagingStoreFactory.Create(options.Staging, TimeProvider.System);
        try
        {
            if (use == StoreUse.Migrate)
            {
                // Refuses an unknown (newer) schema like the daemon does; creates the tables on a new store.
                await database.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else if (use == StoreUse.ReadCurrentSchema
                && await database.ReadSchemaVersionAsync(CancellationToken.None).ConfigureAwait(false) is var version && version != database.KnownSchemaVersion)
            {
                await Console.Error.WriteLineAsync(version < database.KnownSchemaVersion
                    ? $"The staging store is at schema version {version}, this build of Exchange reads version {database.KnownSchemaVersion}: run 'exchange migrate' (or start the daemon) first. Nothing was changed."
                    : $"The staging store is at schema version {version}, but this build of Exchange knows versions 1 to {database.KnownSchemaVersion}: use the newer Exchange that wrote it. Nothing was changed.").ConfigureAwait(false);
                return ExchangeCommandLine.ExitSchema;
            }

            return await action(location, loaded, database).ConfigureAwait(false);
        }
        catch (StagingSchemaException error)
        {
            await Console.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            return ExchangeCommandLine.ExitSchema;
        }
        catch (System.Data.Common.DbException error)
        {
            await Console.Error.WriteLineAsync($"The staging store could not be used ({error.GetType().Name}: {error.Message}).").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await database.DisposeAsync().ConfigureAwait(false);
        }
    }
}
