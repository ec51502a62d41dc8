using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Exchange.Testing;

/// <summary>Keeps every log line (message and exception) so tests can check what was, and was not, logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    /// <summary>A logger for <typeparamref name="T"/>, for a class built without dependency injection.</summary>
    public ILogger<T> CreateLogger<T>() => new Logger<T>(typeof(T).Name, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger<T>(string category, ConcurrentQueue<string> lines) : Logger(category, lines), ILogger<T>;

    private class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {exception}");
    }
}
