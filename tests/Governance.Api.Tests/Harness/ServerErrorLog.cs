using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// What the app under test logged at Error or above, with the exception: a test that sees a 500 ("it has been logged")
/// can say what it was instead of only that it happened.
/// </summary>
public sealed class ServerErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> entries = new();

    /// <summary>Every error logged so far, oldest first.</summary>
    public IReadOnlyCollection<string> Entries => entries;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Sink(ServerErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.entries.Enqueue($"{category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
        }
    }
}
