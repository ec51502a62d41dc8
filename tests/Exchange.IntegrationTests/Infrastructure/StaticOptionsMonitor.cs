using Microsoft.Extensions.Options;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>Options that do not change during a test.</summary>
public sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
