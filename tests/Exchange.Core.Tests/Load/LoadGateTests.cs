using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Load;

/// <summary>The gate with fake probes and a hand-moved clock: sampling, hysteresis, hibernation, calendar, pause file.</summary>
public sealed class LoadGateTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)); // Monday 20:00 in Beijing
    private readonly FakeProbe _probe = new();
    private readonly MemorySampleStore _samples = new();
    private readonly ScheduleOptions _schedule = new();
    private readonly ExchangeOptions _exchange;

    public LoadGateTests()
    {
        _exchange = new ExchangeOptions { DataDirectory = _folder.Path };
        _exchange.Sources["prod"] = new SourceOptions { Provider = "postgres", ConnectionString = "Host=unused", TimeZoneOffset = TimeSpan.FromHours(8) };
        _schedule.Load.Sources["prod"] = new SourceLoadOptions
        {
            Probes = [new ProbeOptions { Name = "active", Kind = "sql", Sql = "unused", Busy = 10, Idle = 4, Critical = 50 }],
            SampleInterval = TimeSpan.FromSeconds(2),
            IdleSamplesToReopen = 2,
            Hibernation = TimeSpan.FromMinutes(5),
        };
    }

    private SourceLoadOptions Prod => _schedule.Load.Sources["prod"];

    private LoadGate Gate(LoadSampling sampling = LoadSampling.Continuous) => new(
        new StaticOptionsMonitor<ScheduleOptions>(_schedule),
        new StaticOptionsMonitor<ExchangeOptions>(_exchange),
        new FakeProbeFactory(_probe),
        _samples,
        _clock,
        NullLogger<LoadGate>.Instance,
        sampling);

    private async Task SampleAsync(LoadGate gate, double value)
    {
        _probe.Value = value;
        await gate.SampleDueAsync(default);
        _clock.Advance(Prod.SampleInterval);
    }

    private static async Task<GateState> StateAsync(LoadGate gate) => (await gate.CheckAsync("prod", default)).State;

    [Fact]
    public async Task Gate_IsBusyUntilEnoughIdleSamples_ThenOpen_AndBusyAgainAtTheBusyThreshold()
    {
        var gate = Gate();
        Assert.Equal(GateState.Busy, await StateAsync(gate));
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Busy, await StateAsync(gate));
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
        await SampleAsync(gate, 7);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
        await SampleAsync(gate, 12);
        Assert.Equal(GateState.Busy, await StateAsync(gate));
        var states = _samples.Samples.Select(s => s.State).ToList();
        Assert.Equal([GateState.Busy, GateState.Idle, GateState.Busy], states.Where((state, i) => i == 0 || states[i - 1] != state));
        Assert.Equal(12, _samples.Samples[^1].Value);
        Assert.Equal("active", _samples.Samples[^1].Probe);
    }

    [Fact]
    public async Task Gate_StoresEachProbesReadingEveryThirtySeconds_BesidesTheTransitions()
    {
        var gate = Gate();
        for (var i = 0; i < 16; i++)
        {
            await SampleAsync(gate, 7); // between the thresholds: busy all along, no transition after the first
        }

        var readings = _samples.Samples.Where(s => s.Reason.StartsWith("active=7 (idle<4, busy>=10", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, readings.Count); // 32 s of samples every 2 s
        Assert.Equal(TimeSpan.FromSeconds(30), readings[1].At - readings[0].At);
    }

    [Fact]
    public async Task Gate_SamplesOnlyOncePerInterval()
    {
        var gate = Gate();
        await gate.SampleDueAsync(default);
        await gate.SampleDueAsync(default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await gate.SampleDueAsync(default);
        Assert.Equal(1, _probe.Calls);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await gate.SampleDueAsync(default);
        Assert.Equal(2, _probe.Calls);
    }

    [Fact]
    public async Task Gate_Hibernates_SendsNoProbeDuringIt_CancelsTheChunkInFlight_AndMustEarnReopening()
    {
        var gate = Gate();
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        var inFlight = gate.HibernationToken("prod");
        await SampleAsync(gate, 80);
        Assert.True(inFlight.IsCancellationRequested);
        Assert.False(gate.HibernationToken("prod").IsCancellationRequested);
        Assert.Equal(GateState.Hibernating, await StateAsync(gate));

        var calls = _probe.Calls;
        for (var i = 0; i < 100; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2.9)); // just under five minutes in all
            await gate.SampleDueAsync(default);
        }

        Assert.Equal(calls, _probe.Calls);
        Assert.Equal(GateState.Hibernating, await StateAsync(gate));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(GateState.Busy, await StateAsync(gate));
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
    }

    [Fact]
    public async Task Gate_CountsAFailingProbeAsBusy()
    {
        var gate = Gate();
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        _probe.Failure = new InvalidOperationException("could not connect to server");
        await SampleAsync(gate, 1);
        var decision = await gate.CheckAsync("prod", default);
        Assert.Equal(GateState.Busy, decision.State);
        Assert.Contains("could not connect to server", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gate_IsClosedWhileThePauseFileExists_AndDoesNotSample()
    {
        var gate = Gate();
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        await File.WriteAllTextAsync(_folder.File("pause"), "");
        var paused = await gate.CheckAsync("prod", default);
        Assert.Equal(GateState.Closed, paused.State);
        Assert.Contains("paused by the operator", paused.Reason, StringComparison.Ordinal);
        var calls = _probe.Calls;
        await SampleAsync(gate, 1);
        Assert.Equal(calls, _probe.Calls);

        File.Delete(_folder.File("pause"));
        Assert.Equal(GateState.Idle, await StateAsync(gate));
    }

    [Fact]
    public async Task Gate_DoesNotReopenOnSamplesThatAreNoLongerFresh()
    {
        var gate = Gate();
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        await File.WriteAllTextAsync(_folder.File("pause"), "");
        _clock.Advance(TimeSpan.FromMinutes(10)); // paused: not sampled
        File.Delete(_folder.File("pause"));
        var decision = await gate.CheckAsync("prod", default);
        Assert.Equal(GateState.Busy, decision.State);
        Assert.Contains("no load sample since", decision.Reason, StringComparison.Ordinal);
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Busy, await StateAsync(gate));
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
    }

    [Fact]
    public async Task WhileReading_SamplesASourceOnlyWhileARunAttendsIt()
    {
        var gate = Gate(LoadSampling.WhileReading);
        await SampleAsync(gate, 1);
        Assert.Equal(0, _probe.Calls);

        var run = gate.Attend("prod");
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
        await run.DisposeAsync();
        Assert.Equal(2, _probe.Calls);

        await SampleAsync(gate, 1);
        Assert.Equal(2, _probe.Calls);
        _clock.Advance(GateTransitions.FreshFor(Prod));
        Assert.Equal(GateState.Busy, await StateAsync(gate)); // what it measured is stale now
        Assert.Equal(2, _probe.Calls);
    }

    [Fact]
    public async Task WhileReading_EndingTheLastAttendance_WaitsForTheProbes_NotForTheSampleRowsToBeStored()
    {
        var gate = Gate(LoadSampling.WhileReading);
        var run = gate.Attend("prod");
        var storing = new TaskCompletionSource();
        _samples.Hold = storing.Task;
        var sampling = gate.SampleDueAsync(default);
        await _samples.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _probe.Calls);

        // The probe has answered; the reading's load_samples row is still being written.
        var leaving = run.DisposeAsync().AsTask();
        var first = await Task.WhenAny(leaving, Task.Delay(TimeSpan.FromSeconds(10)));
        storing.SetResult();
        await sampling;
        Assert.Same(leaving, first);
        Assert.Single(_samples.Samples);
    }

    [Fact]
    public async Task WhileReading_ARunsFirstCheckWaitsForTheSamplesThatReopenTheGate()
    {
        var gate = Gate(LoadSampling.WhileReading);
        await using (gate.Attend("prod"))
        {
            var check = gate.CheckAsync("prod", default).AsTask();
            Assert.False(check.IsCompleted);
            await SampleAsync(gate, 1);
            await SampleAsync(gate, 1);
            Assert.Equal(GateState.Idle, (await check.WaitAsync(TimeSpan.FromSeconds(10))).State);
        }

        Assert.Equal(2, _probe.Calls);
    }

    [Fact]
    public async Task WhileReading_ARunsFirstCheckAnswersBusyAtOnce_WhenASampleFindsTheSourceBusy()
    {
        var gate = Gate(LoadSampling.WhileReading);
        await using (gate.Attend("prod"))
        {
            var check = gate.CheckAsync("prod", default).AsTask();
            await SampleAsync(gate, 12);
            var decision = await check.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(GateState.Busy, decision.State);
            Assert.Contains("active=12", decision.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WhileReading_ARunsFirstCheckGivesUpWaiting_WhenNoSampleComes()
    {
        var gate = Gate(LoadSampling.WhileReading);
        await using (gate.Attend("prod"))
        {
            var check = gate.CheckAsync("prod", default).AsTask();
            _clock.Advance(LoadGate.WarmUpLimit(Prod));
            Assert.Equal(GateState.Busy, (await check.WaitAsync(TimeSpan.FromSeconds(10))).State);
        }
    }

    [Fact]
    public async Task Gate_IsClosedOutsideTheWindows_InTheSourcesLocalTime()
    {
        Prod.Windows = [new TimeWindowOptions { From = TimeSpan.FromHours(21), To = TimeSpan.FromHours(6) }];
        var gate = Gate();
        var decision = await gate.CheckAsync("prod", default);
        Assert.Equal(GateState.Closed, decision.State);
        Assert.Contains("outside the read windows", decision.Reason, StringComparison.Ordinal);
        await gate.SampleDueAsync(default);
        Assert.Equal(0, _probe.Calls);

        _clock.Advance(TimeSpan.FromHours(1.5)); // 21:30 in Beijing
        await SampleAsync(gate, 1);
        await SampleAsync(gate, 1);
        Assert.Equal(GateState.Idle, await StateAsync(gate));
    }

    [Fact]
    public async Task Gate_IsClosedOnBlackoutDates()
    {
        Prod.Blackouts = ["2026-11-23"];
        var decision = await Gate().CheckAsync("prod", default);
        Assert.Equal(GateState.Closed, decision.State);
        Assert.Contains("blackout date '2026-11-23'", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gate_DoesNotReadASourceWhoseLoadCannotBeMeasured_UnlessMarkedAllowUnmeasured()
    {
        var gate = Gate();
        var unknown = await gate.CheckAsync("other", default);
        Assert.Equal(GateState.Closed, unknown.State);
        Assert.Contains("cannot be measured", unknown.Reason, StringComparison.Ordinal);

        Prod.Probes = [];
        Assert.Equal(GateState.Closed, await StateAsync(gate));
        Prod.AllowUnmeasured = true;
        Assert.Equal(GateState.Idle, await StateAsync(gate));
    }

    public void Dispose() => _folder.Dispose();

    private sealed class FakeProbe : ILoadProbe
    {
        public double Value { get; set; }

        public Exception? Failure { get; set; }

        public int Calls { get; private set; }

        public string Name => "active";

        public Task<double> ReadAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Failure is null ? Task.FromResult(Value) : Task.FromException<double>(Failure);
        }
    }

    private sealed class FakeProbeFactory(FakeProbe probe) : ILoadProbeFactory
    {
        public ILoadProbe Create(string source, ProbeOptions options) => probe;
    }

    private sealed class MemorySampleStore : ILoadSampleStore
    {
        public List<LoadSample> Samples { get; } = [];

        /// <summary>When set, each store waits for it (after completing <see cref="Entered"/>).</summary>
        public Task? Hold { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task AddLoadSampleAsync(LoadSample sample, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            if (Hold is { } hold)
            {
                await hold;
            }

            Samples.Add(sample);
        }
    }
}
