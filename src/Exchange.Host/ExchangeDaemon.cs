using System.Data.Common;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.Host.Cli;
using Exchange.Host.Configuration;
using Exchange.Host.Service;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Exchange.Host;

/// <summary>The <c>run</c> verb: validate the configuration, open the staging store, serve, and stop cleanly.</summary>
internal static partial class ExchangeDaemon
{
    public static async Task<int> RunAsync(ConfigLocation location, CancellationToken cancellationToken)
    {
        var loaded = ExchangeConfiguration.Load(location);
        var (options, schedule, problems) = (loaded.Options, loaded.Schedule, loaded.Problems);
        NLogSetup.Configure(location, loaded.Service.LogDirectory);
        try
        {
            using var bootstrap = LoggerFactory.Create(logging => NLog.Extensions.Logging.ConfigureExtensions.AddNLog(logging));
            var log = bootstrap.CreateLogger("Exchange.Host");
            var published = PublishedPasswordCheck.Validate(options, loaded.Service.Web.Urls);
            if (problems.Count > 0)
            {
                foreach (var problem in problems.Concat(published))
                {
                    LogConfigurationProblem(log, problem.ToString());
                }

                LogNotStarted(log, problems.Count + published.Count, location.ConfigDirectory);
                return ExchangeCommandLine.ExitConfiguration;
            }

            if (published.Count > 0)
            {
                foreach (var problem in published)
                {
                    LogPublishedPassword(log, problem.ToString());
                }

                return ExchangeCommandLine.ExitPublishedPassword;
            }

            SqliteStagingLock? stagingLock;
            try
            {
                stagingLock = SqliteStagingLock.Acquire(options.Staging);
            }
            catch (InvalidOperationException error)
            {
                LogStagingInUse(log, error.Message);
                return 1;
            }

            using var heldUntilStopped = stagingLock;

            var app = ExchangeApplication.Build(location, loaded);
            await using (app.ConfigureAwait(false))
            {
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Exchange.Host");
                foreach (var line in OptionsReport.Describe(location, loaded))
                {
                    LogEffectiveOption(logger, line);
                }

                foreach (var warning in OptionsReport.Warnings(loaded.Service))
                {
                    LogExposureWarning(logger, warning);
                }

                var database = app.Services.GetRequiredService<StagingDatabase>();
                try
                {
                    await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (StagingSchemaException error)
                {
                    LogStagingRefused(logger, error.Message);
                    return ExchangeCommandLine.ExitSchema;
                }
                catch (DbException error)
                {
                    LogStagingUnreachable(logger, error.GetType().Name, error.Message);
                    return 1;
                }

                try
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // A port already taken, a certificate that cannot be read: one clear line on the console (the log
                    // file keeps the exception), not the stack trace the command line would print.
                    LogStartFailed(logger, error, error.GetType().Name, error.Message);
                    await StopQuietlyAsync(app).ConfigureAwait(false);
                    return 1;
                }

                var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                foreach (var line in OptionsReport.Welcome(addresses, options))
                {
                    LogWelcome(logger, line);
                }

                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                LogStopped(logger);
                return 0;
            }
        }
        finally
        {
            NLog.LogManager.Shutdown();
        }
    }

    [LoggerMessage(10, LogLevel.Critical, "Exchange did not start: {Reason}")]
    private static partial void LogStagingInUse(ILogger logger, string reason);

    [LoggerMessage(1, LogLevel.Error, "Configuration problem: {Problem}")]
    private static partial void LogConfigurationProblem(ILogger logger, string problem);

    [LoggerMessage(2, LogLevel.Critical, "Exchange did not start: {Count} configuration problem(s) in {ConfigDirectory}. Run 'exchange check-config' after fixing them.")]
    private static partial void LogNotStarted(ILogger logger, int count, string configDirectory);

    [LoggerMessage(3, LogLevel.Information, "{Line}")]
    private static partial void LogEffectiveOption(ILogger logger, string line);

    [LoggerMessage(4, LogLevel.Critical, "Exchange did not start: {Reason}")]
    private static partial void LogStagingRefused(ILogger logger, string reason);

    [LoggerMessage(5, LogLevel.Critical, "Exchange did not start: the staging store is unreachable ({ErrorType}: {Reason}).")]
    private static partial void LogStagingUnreachable(ILogger logger, string errorType, string reason);

    [LoggerMessage(9, LogLevel.Warning, "{Warning}")]
    private static partial void LogExposureWarning(ILogger logger, string warning);

    [LoggerMessage(6, LogLevel.Information, "{Line}")]
    private static partial void LogWelcome(ILogger logger, string line);

    // The services that did start before the failure are stopped; a failure while stopping changes nothing about the exit.
    private static async Task StopQuietlyAsync(IHost app)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or AggregateException)
        {
            // Already reported the cause of the failed start.
        }
    }

    [LoggerMessage(7, LogLevel.Information, "Exchange stopped.")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(9, LogLevel.Critical, "Exchange did not start: {Problem}")]
    private static partial void LogPublishedPassword(ILogger logger, string problem);

    [LoggerMessage(8, LogLevel.Critical, "Exchange did not start: {ErrorType}: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string errorType, string reason);
}
