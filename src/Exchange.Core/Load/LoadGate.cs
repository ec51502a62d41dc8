using Exchange.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Load;

/// <summary>
/// The load gate of every source: probes sampled in the background (<see cref="RunAsync"/>), the calendar and the
/// pause files checked on every <see cref="CheckAsync"/>. A source with no probes is not read unless it is marked
/// <see cref="SourceLoadOptions.AllowUnmeasured"/>: if load cannot be measured, it does not read. A sample counts for
/// <see cref="GateTransitions.FreshFor"/>; a gate without a fresh one is busy until fresh samples reopen it.
/// </summary>
/// <remarks>
/// <see cref="LoadSampling.WhileReading"/> (several nodes) samples a source only while a run on this node attends it: a
/// run's first <see cref="CheckAsync"/> waits for the samples the gate needs (at most <see cref="WarmUpLimit"/>), later
/// ones answer at once.
/// </remarks>
public sealed partial class LoadGate(
    IOptionsMonitor<ScheduleOptions> schedule,
    IOptionsMonitor<ExchangeOptions> exchange,
    ILoadProbeFactory probes,
    ILoadSampleStore samples,
    TimeProvider timeProvider,
    ILogger<LoadGate> logger,
    LoadSampling sampling = LoadSampling.Continuous) : ILoadGate
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
        if (sampling == LoadSampling.WhileReading && gate.Attended && IsWarmingUp(source, gate, decision))
        {
            (decision, cause) = await WarmUpAsync(source, gate, cancellationToken).ConfigureAwait(false);
        }

        await PublishAsync(source, gate, decision, cause, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <inheritdoc />
    public IAsyncDisposable Attend(string source) => new Attendance(GateFor(source));

    /// <summary>The longest a run waits for the gate's first decision: enough samples to reopen, each with its probes' timeout.</summary>
    public static TimeSpan WarmUpLimit(SourceLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ((options.IdleSamplesToReopen + 1) * (options.SampleInterval + Tick)) + GateTransitions.FreshFor(options);
    }

    /// <summary>Waits, sample by sample, until the gate has decided (or <see cref="WarmUpLimit"/> has passed).</summary>
    private async Task<(GateDecision Decision, ProbeReading? Cause)> WarmUpAsync(string source, SourceGate gate, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + (schedule.CurrentValue.Load.Sources.TryGetValue(source, out var options) ? WarmUpLimit(options) : TimeSpan.Zero);
        while (true)
        {
            var sampled = gate.NextSample;
            var (decision, cause) = Decide(source, gate);
            var left = deadline - timeProvider.GetUtcNow();
            if (!IsWarmingUp(source, gate, decision) || left <= TimeSpan.Zero)
            {
                return (decision, cause);
            }

            try
            {
                await sampled.WaitAsync(left, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Decided on what the gate has: busy.
            }
        }
    }

    private bool IsWarmingUp(string source, SourceGate gate, GateDecision decision) =>
        decision.State == GateState.Busy
        && schedule.CurrentValue.Load.Sources.TryGetValue(source, out var options)
        && gate.State is var state
        && GateTransitions.IsWarmingUp(state.Memory, state.LastReading, timeProvider.GetUtcNow(), GateTransitions.FreshFor(options));

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
            var state = gate.State;
            var memory = state.Memory;
            var sampleDue = state.LastSample is not { } last || now - last >= options.SampleInterval;
            if (decision.State == GateState.Closed || !GateTransitions.MaySample(memory, now) || !sampleDue)
            {
                continue;
            }

            if (sampling == LoadSampling.WhileReading)
            {
                if (gate.StartSampleIfAttended() is { } sampleDone)
                {
                    gate.SampleStarted(now);
                    due.Add(SampleAndSignalAsync(source, gate, options, sampleDone, cancellationToken));
                }

                continue;
            }

            gate.SampleStarted(now);
            due.Add(SampleAsync(source, gate, options, null, cancellationToken));
        }

        await Task.WhenAll(due).ConfigureAwait(false);
    }

    private async Task SampleAndSignalAsync(string source, SourceGate gate, SourceLoadOptions options, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        try
        {
            await SampleAsync(source, gate, options, done, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Normally done already, once the probes answered; here also when the sample failed.
            done.TrySetResult();
        }
    }

    // probesRead is completed once the probes have answered (or timed out): the source is not queried after that, so ending
    // an attendance waits for it, not for the decision's publishing and the load_samples rows.
    private async Task SampleAsync(string source, SourceGate gate, SourceLoadOptions options, TaskCompletionSource? probesRead, CancellationToken cancellationToken)
    {
        var probeList = gate.ProbesFor(options, p => probes.Create(source, p));
        var readings = await Task.WhenAll(probeList.Select(p => ReadAsync(p.Probe, p.Options, cancellationToken))).ConfigureAwait(false);
        probesRead?.TrySetResult();
        var now = timeProvider.GetUtcNow();
        TaskCompletionSource sampled;
        lock (gate.Sync)
        {
            var state = gate.State;
            var memory = GateTransitions.Expire(state.Memory, state.LastReading, state.LastSample ?? now, GateTransitions.FreshFor(options));
            gate.State = state with
            {
                Memory = GateTransitions.Next(memory, readings, options.IdleSamplesToReopen, options.Hibernation, now),
                LastReading = state.LastSample ?? now,
            };
            sampled = gate.SwapNextSample();
        }

        sampled.TrySetResult();

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

        var state = gate.State;
        var memory = GateTransitions.Expire(state.Memory, state.LastReading, now, GateTransitions.FreshFor(options));
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
        if (sampling == LoadSampling.WhileReading && decision.State == GateState.Busy && IsWarmingUp(source, gate, decision))
        {
            // Every run starts without fresh samples: that is no transition worth a log line or a load_samples row.
            return;
        }

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

    /// <summary>One run's attendance of a source; disposing it waits until this node's last sample of the source has had its probes' answers.</summary>
    private sealed class Attendance : IAsyncDisposable
    {
        private SourceGate? _gate;

        public Attendance(SourceGate gate)
        {
            _gate = gate;
            gate.Enter();
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _gate, null) is { } gate)
            {
                await gate.Leave().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Load gate of source {Source}: {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string source, string from, GateState to, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Load gate of source {Source}: {From} -> Hibernating: {Reason}")]
    private static partial void LogHibernating(ILogger logger, string source, string from, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Load gate of source {Source}: transition not stored in load_samples: {Error}")]
    private static partial void LogSampleNotStored(ILogger logger, string source, string error);

    /// <summary>A gate's memory, when its last sample was started, and when the sample the memory last took in was started.</summary>
    private sealed record SampleState(GateMemory Memory, DateTimeOffset? LastSample, DateTimeOffset? LastReading)
    {
        public static readonly SampleState Initial = new(GateMemory.Initial, null, null);
    }

    /// <summary>The runtime state of one source's gate.</summary>
    private sealed class SourceGate
    {
        private CancellationTokenSource _hibernation = new();
        private TaskCompletionSource _nextSample = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _sampleInFlight = Task.CompletedTask;
        private int _attendants;
        private SourceLoadOptions? _probesBuiltFor;
        private IReadOnlyList<(ILoadProbe Probe, ProbeOptions Options)> _probes = [];

        private SampleState _state = SampleState.Initial;

        public Lock Sync { get; } = new();

        /// <summary>What the gate has taken in: one immutable value, read without the lock, replaced only under <see cref="Sync"/>.</summary>
        public SampleState State
        {
            get => Volatile.Read(ref _state);
            set => Volatile.Write(ref _state, value);
        }

        /// <summary>Records when a sample was started (it is due again one interval later).</summary>
        public void SampleStarted(DateTimeOffset at)
        {
            lock (Sync)
            {
                State = State with { LastSample = at };
            }
        }

        /// <summary>Completed after the next sample has been taken in.</summary>
        public Task NextSample
        {
            get
            {
                lock (Sync)
                {
                    return _nextSample.Task;
                }
            }
        }

        /// <summary>True while a run on this node attends the source.</summary>
        public bool Attended
        {
            get
            {
                lock (Sync)
                {
                    return _attendants > 0;
                }
            }
        }

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

        /// <summary>Replaces the next-sample signal (under <see cref="Sync"/>) and returns the old one for the caller to complete.</summary>
        public TaskCompletionSource SwapNextSample()
        {
            var old = _nextSample;
            _nextSample = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return old;
        }

        /// <summary>Registers a sample in flight when the source is attended; null (take no sample) when it is not.</summary>
        /// <remarks>Under the same lock as <see cref="Leave"/>: a sample either starts before the last attendance ends, and is waited for, or not at all.</remarks>
        public TaskCompletionSource? StartSampleIfAttended()
        {
            lock (Sync)
            {
                if (_attendants == 0)
                {
                    return null;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _sampleInFlight = done.Task;
                return done;
            }
        }

        public void Enter()
        {
            lock (Sync)
            {
                _attendants++;
            }
        }

        /// <summary>Ends one attendance; after the last one, the sample still in flight (to be awaited), else a completed task.</summary>
        public Task Leave()
        {
            lock (Sync)
            {
                _attendants--;
                return _attendants == 0 ? _sampleInFlight : Task.CompletedTask;
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
