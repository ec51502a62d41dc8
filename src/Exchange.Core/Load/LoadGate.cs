using Exchange.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Load;

/// <summary>
/// The load gate of every source: probes sampled in the background (<see cref="RunAsync"/>), the calendar and the
/// pause files checked on every <see cref="CheckAsync"/>. A source with no probes is not read unless it is marked
/// <see cref="SourceLoadOptions.AllowUnmeasured"/>: if load cannot be measured, it does not read.
/// </summary>
public sealed partial class LoadGate(
    IOptionsMonitor<ScheduleOptions> schedule,
    IOptionsMonitor<ExchangeOptions> exchange,
    ILoadProbeFactory probes,
    ILoadSampleStore samples,
    TimeProvider timeProvider,
    ILogger<LoadGate> logger) : ILoadGate
{
    /// <summary>How often <see cref="RunAsync"/> looks for sources due for a sample.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    /// <summary>Besides every transition, each probe's reading is stored this often (the status page charts them).</summary>
    public static readonly TimeSpan RecordEvery = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, SourceGate> _gates = new(StringComparer.Ordinal);
    private readonly Lock _gatesLock = new();

    /// <inheritdoc />
    public async ValueTask<GateDecision> CheckAsync(string source, CancellationToken cancellationToken)
    {
        var gate = GateFor(source);
        var (decision, cause) = Decide(source, gate);
        await PublishAsync(source, gate, decision, cause, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <inheritdoc />
    public CancellationToken HibernationToken(string source) => GateFor(source).HibernationToken;

    /// <summary>Samples every source that is due, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await SampleDueAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(Tick, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Samples the probes of every source whose interval has passed, that is not hibernating, and whose calendar and
    /// pause files allow reading (a closed source is not queried at all).
    /// </summary>
    public async Task SampleDueAsync(CancellationToken cancellationToken)
    {
        var load = schedule.CurrentValue.Load;
        var due = new List<Task>();
        foreach (var (source, options) in load.Sources)
        {
            if (options.Probes.Count == 0)
            {
                continue;
            }

            var gate = GateFor(source);
            var now = timeProvider.GetUtcNow();
            var (decision, _) = Decide(source, gate);
            var memory = gate.Memory;
            var sampleDue = gate.LastSample is not { } last || now - last >= options.SampleInterval;
            if (decision.State == GateState.Closed || !GateTransitions.MaySample(memory, now) || !sampleDue)
            {
                continue;
            }

            gate.LastSample = now;
            due.Add(SampleAsync(source, gate, options, cancellationToken));
        }

        await Task.WhenAll(due).ConfigureAwait(false);
    }

    private async Task SampleAsync(string source, SourceGate gate, SourceLoadOptions options, CancellationToken cancellationToken)
    {
        var probeList = gate.ProbesFor(options, p => probes.Create(source, p));
        var readings = await Task.WhenAll(probeList.Select(p => ReadAsync(p.Probe, p.Options, cancellationToken))).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        lock (gate.Sync)
        {
            gate.Memory = GateTransitions.Next(gate.Memory, readings, options.IdleSamplesToReopen, options.Hibernation, now);
        }

        var (decision, cause) = Decide(source, gate);
        await PublishAsync(source, gate, decision, cause, cancellationToken).ConfigureAwait(false);
        if (gate.LastRecorded is not { } recorded || now - recorded >= RecordEvery)
        {
            gate.LastRecorded = now;
            foreach (var reading in readings)
            {
                await StoreAsync(new LoadSample(now, source, reading.Probe, reading.Value, decision.State, reading.Describe()), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StoreAsync(LoadSample sample, CancellationToken cancellationToken)
    {
        try
        {
            await samples.AddLoadSampleAsync(sample, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogSampleNotStored(logger, sample.Source, error.Message);
        }
    }

    private async Task<ProbeReading> ReadAsync(ILoadProbe probe, ProbeOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            var value = await probe.ReadAsync(timeout.Token).ConfigureAwait(false);
            return new ProbeReading(probe.Name, value, null, options.Busy, options.Idle, options.Critical);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeReading(probe.Name, null, $"no answer within {options.Timeout}", options.Busy, options.Idle, options.Critical);
        }
#pragma warning disable CA1031 // A probe that fails for any reason counts as busy; the reason is logged with the transition.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return new ProbeReading(probe.Name, null, error.Message, options.Busy, options.Idle, options.Critical);
        }
    }

    private (GateDecision Decision, ProbeReading? Cause) Decide(string source, SourceGate gate)
    {
        var load = schedule.CurrentValue.Load;
        var exchangeOptions = exchange.CurrentValue;
        if (!load.Sources.TryGetValue(source, out var options))
        {
            return (new GateDecision(GateState.Closed, $"schedule.json has no Load:Sources:{source} entry: its load cannot be measured, so it is not read (configure Probes, or AllowUnmeasured for a source that cannot be hurt)"), null);
        }

        foreach (var pauseFile in new[] { load.PauseFile, options.PauseFile })
        {
            if (!string.IsNullOrWhiteSpace(pauseFile))
            {
                var path = Path.IsPathRooted(pauseFile) ? pauseFile : Path.Combine(exchangeOptions.DataDirectory, pauseFile);
                if (File.Exists(path))
                {
                    return (new GateDecision(GateState.Closed, $"paused by the operator: {path} exists"), null);
                }
            }
        }

        var offset = exchangeOptions.Sources.TryGetValue(source, out var sourceOptions) ? sourceOptions.TimeZoneOffset : TimeSpan.Zero;
        var now = timeProvider.GetUtcNow();
        string? closed;
        try
        {
            closed = GateCalendar.ClosedReason(options, now.ToOffset(offset));
        }
        catch (FormatException error)
        {
            closed = error.Message;
        }

        if (closed is not null)
        {
            return (new GateDecision(GateState.Closed, closed), null);
        }

        if (options.Probes.Count == 0)
        {
            return options.AllowUnmeasured
                ? (new GateDecision(GateState.Idle, "load not measured (AllowUnmeasured)"), null)
                : (new GateDecision(GateState.Closed, "no probes configured: load cannot be measured, so the source is not read"), null);
        }

        var memory = gate.Memory;
        if (memory.State == GateState.Hibernating && GateTransitions.MaySample(memory, now))
        {
            return (new GateDecision(GateState.Busy, "hibernation ended, waiting for idle samples"), null);
        }

        return (new GateDecision(memory.State, memory.Reason), memory.Cause);
    }

    private async Task PublishAsync(string source, SourceGate gate, GateDecision decision, ProbeReading? cause, CancellationToken cancellationToken)
    {
        GateState? previous;
        CancellationTokenSource? inFlight = null;
        lock (gate.Sync)
        {
            previous = gate.Published;
            if (previous == decision.State)
            {
                return;
            }

            gate.Published = decision.State;
            if (decision.State == GateState.Hibernating)
            {
                inFlight = gate.SwapHibernationSource();
            }
        }

        if (inFlight is not null)
        {
            // Cancels the chunk in flight (outside the lock: cancellation callbacks run inline): it is read again after the hibernation, nothing is lost.
            await inFlight.CancelAsync().ConfigureAwait(false);
            inFlight.Dispose();
        }

        var from = previous?.ToString() ?? "(start)";
        if (decision.State == GateState.Hibernating)
        {
            LogHibernating(logger, source, from, decision.Reason);
        }
        else
        {
            LogTransition(logger, source, from, decision.State, decision.Reason);
        }

        await StoreAsync(new LoadSample(timeProvider.GetUtcNow(), source, cause?.Probe ?? "gate", cause?.Value, decision.State, decision.Reason), cancellationToken).ConfigureAwait(false);
    }

    private SourceGate GateFor(string source)
    {
        lock (_gatesLock)
        {
            if (!_gates.TryGetValue(source, out var gate))
            {
                gate = new SourceGate();
                _gates[source] = gate;
            }

            return gate;
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Load gate of source {Source}: {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string source, string from, GateState to, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Load gate of source {Source}: {From} -> Hibernating: {Reason}")]
    private static partial void LogHibernating(ILogger logger, string source, string from, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Load gate of source {Source}: transition not stored in load_samples: {Error}")]
    private static partial void LogSampleNotStored(ILogger logger, string source, string error);

    /// <summary>The runtime state of one source's gate.</summary>
    private sealed class SourceGate
    {
        private CancellationTokenSource _hibernation = new();
        private SourceLoadOptions? _probesBuiltFor;
        private IReadOnlyList<(ILoadProbe Probe, ProbeOptions Options)> _probes = [];

        public Lock Sync { get; } = new();

        public GateMemory Memory { get; set; } = GateMemory.Initial;

        public DateTimeOffset? LastSample { get; set; }

        public DateTimeOffset? LastRecorded { get; set; }

        public GateState? Published { get; set; }

        public CancellationToken HibernationToken
        {
            get
            {
                lock (Sync)
                {
                    return _hibernation.Token;
                }
            }
        }

        /// <summary>Replaces the hibernation source (under <see cref="Sync"/>) and returns the old one for the caller to cancel.</summary>
        public CancellationTokenSource SwapHibernationSource()
        {
            var old = _hibernation;
            _hibernation = new CancellationTokenSource();
            return old;
        }

        /// <summary>The probes, rebuilt when the schedule was reloaded (the gate's memory is kept).</summary>
        public IReadOnlyList<(ILoadProbe Probe, ProbeOptions Options)> ProbesFor(SourceLoadOptions options, Func<ProbeOptions, ILoadProbe> create)
        {
            lock (Sync)
            {
                if (!ReferenceEquals(_probesBuiltFor, options))
                {
                    _probes = [.. options.Probes.Select(p => (create(p), p))];
                    _probesBuiltFor = options;
                }

                return _probes;
            }
        }
    }
}
