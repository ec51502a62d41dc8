using Microsoft.Extensions.Options;

namespace Exchange.Testing;

/// <summary>Options that do not change during a test. One source file, compiled into each project that uses it.</summary>
public sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
