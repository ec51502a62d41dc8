using Exchange.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Configuration;

/// <summary>
/// <see cref="IOptionsMonitor{TOptions}"/> of the schedule, fed by <see cref="ScheduleReloader"/>: consumers read
/// <see cref="CurrentValue"/> or subscribe with <see cref="OnChange"/>, and only ever see a schedule that passed validation.
/// </summary>
internal sealed class ScheduleMonitor : IOptionsMonitor<ScheduleOptions>
{
    private readonly Lock _sync = new();
    private readonly List<Action<ScheduleOptions, string?>> _listeners = [];
    private ScheduleOptions _current;

    /// <summary>Starts with the schedule validated at start.</summary>
    public ScheduleMonitor(ScheduleOptions initial, string initialHash)
    {
        _current = initial;
        Hash = initialHash;
    }

    /// <inheritdoc />
    public ScheduleOptions CurrentValue => Volatile.Read(ref _current);

    /// <summary>The hash of the file content the current schedule came from.</summary>
    public string Hash { get; private set; }

    /// <inheritdoc />
    public ScheduleOptions Get(string? name) => CurrentValue;

    /// <inheritdoc />
    public IDisposable? OnChange(Action<ScheduleOptions, string?> listener)
    {
        lock (_sync)
        {
            _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    /// <summary>Makes a validated schedule current and tells the listeners.</summary>
    public void Apply(ScheduleOptions schedule, string hash)
    {
        Action<ScheduleOptions, string?>[] listeners;
        lock (_sync)
        {
            Volatile.Write(ref _current, schedule);
            Hash = hash;
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(schedule, Options.DefaultName);
        }
    }

    private sealed class Subscription(ScheduleMonitor monitor, Action<ScheduleOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._sync)
            {
                monitor._listeners.Remove(listener);
            }
        }
    }
}
