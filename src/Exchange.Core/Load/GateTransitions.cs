using System.Globalization;

namespace Exchange.Core.Load;

/// <summary>One probe's reading: its value, or why it could not be read.</summary>
public sealed record ProbeReading(string Probe, double? Value, string? Error, double Busy, double Idle, double? Critical)
{
    /// <summary>How this one reading classifies the source.</summary>
    public LoadLevel Level => Value switch
    {
        null => LoadLevel.Busy, // a failed probe counts as busy: if load cannot be measured, the source is not read
        { } v when Critical is { } c && v >= c => LoadLevel.Critical,
        { } v when v >= Busy => LoadLevel.Busy,
        { } v when v < Idle => LoadLevel.Idle,
        _ => LoadLevel.Between,
    };

    /// <summary>Value and thresholds for a log line or <c>load_samples.reason</c>.</summary>
    public string Describe() => Value is { } v
        ? string.Create(CultureInfo.InvariantCulture, $"{Probe}={v:0.###} (idle<{Idle:0.###}, busy>={Busy:0.###}{(Critical is { } c ? $", critical>={c:0.###}" : "")})")
        : $"{Probe} failed: {Error}";
}

/// <summary>A reading's level, from best to worst.</summary>
public enum LoadLevel
{
    Idle = 0,
    Between = 1,
    Busy = 2,
    Critical = 3,
}

/// <summary>What the gate remembers between samples.</summary>
/// <param name="State">Idle, Busy or Hibernating (Closed comes from the calendar, see <see cref="GateCalendar"/>).</param>
/// <param name="IdleStreak">Consecutive all-idle samples while busy.</param>
/// <param name="HibernateUntil">End of the hibernation, when hibernating.</param>
/// <param name="Reason">Why the gate is in this state, for operators.</param>
/// <param name="Cause">The reading that decided the state, when one did.</param>
public sealed record GateMemory(GateState State, int IdleStreak, DateTimeOffset? HibernateUntil, string Reason, ProbeReading? Cause = null)
{
    /// <summary>The state before the first sample: busy, reopened only by idle samples.</summary>
    public static GateMemory Initial { get; } = new(GateState.Busy, 0, null, "no load sample yet");
}

/// <summary>The gate's transitions as pure functions.</summary>
public static class GateTransitions
{
    /// <summary>True when a sample may be taken now: never during a hibernation, so that no query reaches the source.</summary>
    public static bool MaySample(GateMemory memory, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return memory.State != GateState.Hibernating || memory.HibernateUntil is not { } until || now >= until;
    }

    /// <summary>
    /// How long a sample counts for a decision: two sample intervals and the slowest probe's timeout. A gate whose last
    /// sample is older knows nothing of the source's load now (it was not sampled: outside a window, paused, or not read
    /// by this node), so it must earn its reopening again from fresh samples.
    /// </summary>
    public static TimeSpan FreshFor(SourceLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (2 * options.SampleInterval) + options.Probes.Select(p => p.Timeout).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    /// <summary>
    /// The memory to decide on at <paramref name="now"/>: as it is while its last sample is fresh, or busy and counting
    /// idle samples from zero once it is not. A hibernation is kept: it ends at its own time.
    /// </summary>
    /// <param name="memory">The state after the last sample.</param>
    /// <param name="lastSample">When the last sample was taken; null before the first (the memory is then the initial one).</param>
    /// <param name="now">The time of the decision or of the next sample.</param>
    /// <param name="freshFor">How long a sample counts (<see cref="FreshFor"/>).</param>
    public static GateMemory Expire(GateMemory memory, DateTimeOffset? lastSample, DateTimeOffset now, TimeSpan freshFor)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return memory.State == GateState.Hibernating || lastSample is not { } last || now - last <= freshFor
            ? memory
            : new GateMemory(GateState.Busy, 0, null, $"no load sample since {last.ToString("O", CultureInfo.InvariantCulture)}: waiting for fresh samples");
    }

    /// <summary>
    /// True while a busy gate is still only gathering samples (none fresh yet, none since a hibernation ended, or idle ones short of the reopening count),
    /// as opposed to a gate that a reading found busy: a reader about to start waits for the former, not the latter.
    /// </summary>
    public static bool IsWarmingUp(GateMemory memory, DateTimeOffset? lastSample, DateTimeOffset now, TimeSpan freshFor)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var current = Expire(memory, lastSample, now, freshFor);
        return current.State switch
        {
            GateState.Hibernating => current.HibernateUntil is { } until && now >= until, // ended: no sample since
            GateState.Busy => lastSample is null || !ReferenceEquals(current, memory) || current.IdleStreak > 0,
            _ => false,
        };
    }

    /// <summary>The state after a sample of every probe.</summary>
    /// <param name="memory">The state before.</param>
    /// <param name="readings">One reading per probe (failed probes have no value).</param>
    /// <param name="idleSamplesToReopen">All-idle samples in a row needed to go from busy to idle.</param>
    /// <param name="hibernation">How long a critical reading shuts the gate.</param>
    /// <param name="now">The sample's time.</param>
    public static GateMemory Next(GateMemory memory, IReadOnlyList<ProbeReading> readings, int idleSamplesToReopen, TimeSpan hibernation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(readings);
        if (!MaySample(memory, now))
        {
            return memory;
        }

        // A hibernation that has ended leaves the gate busy: it must earn its reopening like any busy gate.
        if (memory.State == GateState.Hibernating)
        {
            memory = new GateMemory(GateState.Busy, 0, null, "hibernation ended");
        }

        if (readings.Count == 0)
        {
            return memory with { State = GateState.Busy, IdleStreak = 0, Reason = "no probe readings", Cause = null };
        }

        var worst = readings.MaxBy(r => r.Level)!;
        switch (worst.Level)
        {
            case LoadLevel.Critical:
                return new GateMemory(GateState.Hibernating, 0, now + hibernation,
                    $"critical load, no query to the source until {(now + hibernation).ToString("O", CultureInfo.InvariantCulture)}: {worst.Describe()}", worst);
            case LoadLevel.Busy:
                return new GateMemory(GateState.Busy, 0, null, $"busy: {worst.Describe()}", worst);
            case LoadLevel.Between:
                // Between the thresholds the gate keeps its state (hysteresis); a busy gate starts counting again.
                return memory.State == GateState.Idle
                    ? memory with { Reason = $"idle, below busy threshold: {worst.Describe()}", Cause = worst }
                    : new GateMemory(GateState.Busy, 0, null, $"busy, not yet below idle threshold: {worst.Describe()}", worst);
            default:
                if (memory.State == GateState.Idle)
                {
                    return memory with { Reason = $"idle: {worst.Describe()}", Cause = worst };
                }

                var streak = memory.IdleStreak + 1;
                return streak >= idleSamplesToReopen
                    ? new GateMemory(GateState.Idle, 0, null, $"idle for {streak} samples: {worst.Describe()}", worst)
                    : new GateMemory(GateState.Busy, streak, null, $"busy, idle sample {streak} of {idleSamplesToReopen}: {worst.Describe()}", worst);
        }
    }
}
