using System.CommandLine;
using Exchange.Core.Configuration;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;

namespace Exchange.Host.Cli;

/// <summary>
/// The verbs of the <c>exchange</c> executable. Exit codes: 0 ok, 1 failure, 2 configuration problem, 3 staging schema
/// problem, 4 'service' outside the Windows service control manager, 5 a principal with the published demo password
/// served beyond loopback.
/// </summary>
internal static class ExchangeCommandLine
{
    public const int ExitConfiguration = 2;
    public const int ExitSchema = 3;

    /// <summary>The daemon refused to serve a principal with <see cref="Core.Security.PublishedPasswordCheck.DemoPassword"/> beyond loopback.</summary>
    public const int ExitPublishedPassword = 5;

    private static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = $"Folder with appsettings.json, schedule.json and nlog.config (default: ${ConfigLocation.EnvironmentVariable}, ./config, or config beside the executable)",
        Recursive = true,
    };

    public static Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("Exchange: moves social-security data to insurers only while the production database is idle.");
        root.Options.Add(ConfigOption);

        var run = new Command("run", "Run the daemon (the default verb).");
        run.SetAction((result, token) => RunAsync(result, token));
        root.SetAction((result, token) => RunAsync(result, token));

        var checkConfig = new Command("check-config", "Validate appsettings.json and schedule.json and print every problem with file, field and value.");
        checkConfig.SetAction(result => CheckConfig(result));

        var migrate = new Command("migrate", "Apply the staging schema scripts not yet applied, then exit.");
        migrate.SetAction((result, token) => MigrateAsync(result, token));

        var hashPassword = new Command("hash-password", "Read a password from standard input and print its PBKDF2 hash for a principal's PasswordHash.");
        hashPassword.SetAction(_ => HashPasswordCommand.Run(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected));

        root.Subcommands.Add(run);
        root.Subcommands.Add(checkConfig);
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(hashPassword);
        OperatorVerbs.AddTo(root);

        // The daemon handles SIGTERM/Ctrl+C itself (graceful shutdown of the web host and jobs): no forced exit here.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (!TryLocate(result, out var location))
        {
            return ExitConfiguration;
        }

        return await ExchangeDaemon.RunAsync(location, cancellationToken).ConfigureAwait(false);
    }

    private static int CheckConfig(ParseResult result)
    {
        if (!TryLocate(result, out var location))
        {
            return ExitConfiguration;
        }

        var loaded = ExchangeConfiguration.Load(location);
        var options = loaded.Options;
        IReadOnlyList<ConfigurationProblem> problems = [.. loaded.Problems, .. Core.Security.PublishedPasswordCheck.Validate(options, loaded.Service.Web.Urls)];
        foreach (var problem in problems)
        {
            Console.Error.WriteLine(problem);
        }

        foreach (var warning in OptionsReport.Warnings(loaded.Service))
        {
            Console.Error.WriteLine("warning: " + warning);
        }

        Console.Out.WriteLine(problems.Count == 0
            ? $"Configuration in {location.ConfigDirectory} is valid."
            : $"{problems.Count} problem(s) in {location.ConfigDirectory}.");
        return problems.Count == 0 ? 0 : ExitConfiguration;
    }

    private static async Task<int> MigrateAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (!TryLocate(result, out var location))
        {
            return ExitConfiguration;
        }

        var loaded = ExchangeConfiguration.Load(location);
        if (loaded.Problems.Count > 0)
        {
            foreach (var problem in loaded.Problems)
            {
                Console.Error.WriteLine(problem);
            }

            return ExitConfiguration;
        }

        var store = StagingStoreFactory.Create(loaded.Options.Staging, TimeProvider.System);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine($"Staging store at schema version {await store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false)}.");
            return 0;
        }
        catch (StagingSchemaException error)
        {
            Console.Error.WriteLine(error.Message);
            return ExitSchema;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    internal static bool TryLocate(ParseResult result, out ConfigLocation location)
    {
        try
        {
            location = ConfigLocation.Find(result.GetValue(ConfigOption));
            return true;
        }
        catch (ConfigurationProblemException error)
        {
            Console.Error.WriteLine(error.Message);
            location = null!;
            return false;
        }
    }
}
