using System.Collections.Concurrent;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Exchange.Core.Extraction;

/// <summary>
/// Retries storing a chunk that was already read from the source, and rests a dataset whose store failed for good, so
/// that a failing staging store does not make the same chunk be read from production at every trigger.
/// </summary>
/// <remarks>
/// A store is retried with exponential back-off (<see cref="StoreRetrySettings"/>) under the run's token: a shutdown
/// ends the wait. A watermark conflict or a key index conflict is not retried and does not rest the dataset (another
/// writer moved the dataset, or staged a key again; storing the same batch again cannot succeed, the caller decides).
/// Once the retries are spent, the dataset rests for <see cref="StoreBackoff.Pause"/>, longer after each failure in a
/// row; a stored chunk ends the rest.
/// </remarks>
public sealed partial class ChunkStoreRetry
{
    private static readonly ResiliencePropertyKey<string> DatasetKey = new("exchange.dataset");
    private readonly TimeProvider _timeProvider;
    private readonly StoreRetrySettings _settings;
    private readonly ILogger<ChunkStoreRetry> _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentDictionary<string, StoreRest> _resting = new(StringComparer.Ordinal);

    /// <summary>Creates the retry with <paramref name="settings"/>, or <see cref="StoreRetrySettings.Default"/>.</summary>
    public ChunkStoreRetry(TimeProvider timeProvider, ILogger<ChunkStoreRetry> logger, StoreRetrySettings? settings = null)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _settings = settings ?? StoreRetrySettings.Default;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (_settings.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(error => error is not (WatermarkConflictException or Deletes.KeyIndexConflictException or OperationCanceledException)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = _settings.FirstDelay,
                MaxDelay = _settings.MaxDelay,
                MaxRetryAttempts = _settings.Retries,
                OnRetry = arguments =>
                {
                    var error = arguments.Outcome.Exception!;
                    LogRetrying(_logger, arguments.Context.Properties.GetValue(DatasetKey, "?"), arguments.AttemptNumber + 1, _settings.Retries,
                        arguments.RetryDelay.TotalSeconds, error.Message);
                    return default;
                },
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>When the dataset rests after a store that failed for good; null when it may run.</summary>
    public StoreRest? Resting(string dataset) =>
        _resting.TryGetValue(dataset, out var rest) && _timeProvider.GetUtcNow() < rest.Until ? rest : null;

    /// <summary>Stores through <paramref name="store"/>, retrying failures; after the last retry the dataset rests and the error is thrown.</summary>
    /// <param name="dataset">The dataset, for the log and the rest.</param>
    /// <param name="watermark">The dataset's stored watermark (the batch's start), reported while it rests.</param>
    /// <param name="store">One attempt to store the chunk.</param>
    /// <param name="cancellationToken">The run's token: it ends an attempt and a wait between attempts.</param>
    public async Task<T> StoreAsync<T>(string dataset, string? watermark, Func<CancellationToken, ValueTask<T>> store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DatasetKey, dataset);
        try
        {
            var stored = await _pipeline.ExecuteAsync(static (context, store) => store(context.CancellationToken), context, store).ConfigureAwait(false);
            _resting.TryRemove(dataset, out _);
            return stored;
        }
        catch (Exception error) when (error is not (WatermarkConflictException or Deletes.KeyIndexConflictException) && !cancellationToken.IsCancellationRequested)
        {
            var failures = _resting.TryGetValue(dataset, out var previous) ? previous.Failures + 1 : 1;
            var until = _timeProvider.GetUtcNow() + StoreBackoff.Pause(failures, _settings.FirstPause, _settings.MaxPause);
            _resting[dataset] = new StoreRest(failures, until, watermark, error.Message);
            LogGaveUp(_logger, error, dataset, _settings.Retries + 1, error.Message, until);
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Dataset {Dataset}: storing a chunk read from the source failed, retry {Retry} of {Retries} in {DelaySeconds} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string dataset, int retry, int retries, double delaySeconds, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Dataset {Dataset}: storing a chunk failed {Attempts} times ({Reason}); the source is not read for this dataset before {Until:u}")]
    private static partial void LogGaveUp(ILogger logger, Exception error, string dataset, int attempts, string reason, DateTimeOffset until);
}

/// <summary>A dataset resting after its store failed for good.</summary>
/// <param name="Failures">Runs in a row whose store failed for good.</param>
/// <param name="Until">When the dataset may read its source again.</param>
/// <param name="Watermark">The dataset's stored watermark when the store failed.</param>
/// <param name="Reason">The store's last error.</param>
public sealed record StoreRest(int Failures, DateTimeOffset Until, string? Watermark, string Reason);

/// <summary>How a chunk's store is retried and how long a dataset rests after the retries are spent.</summary>
/// <param name="Retries">Retries after the first attempt (0: none).</param>
/// <param name="FirstDelay">The wait before the first retry; it doubles for each further retry.</param>
/// <param name="MaxDelay">The longest wait between two attempts.</param>
/// <param name="FirstPause">The rest after the first run whose store failed for good; it doubles for each further one in a row.</param>
/// <param name="MaxPause">The longest rest.</param>
public sealed record StoreRetrySettings(int Retries, TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan FirstPause, TimeSpan MaxPause)
{
    /// <summary>Six retries over about a minute (1, 2, 4, 8, 16 and 30 s), then rests of 1, 2, 4 … up to 30 minutes.</summary>
    public static StoreRetrySettings Default { get; } = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));
}
