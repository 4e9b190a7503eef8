using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgePali.Testing;

/// <summary>One line the code under test logged.</summary>
public sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception)
{
    /// <summary>The line; with the whole exception (stack included) for errors, so a failure report shows where it came from.</summary>
    public override string ToString() => Exception switch
    {
        null => $"{Level} {Category}: {Message}",
        _ when Level >= LogLevel.Error => $"{Level} {Category}: {Message}{Environment.NewLine}{Exception}",
        _ => $"{Level} {Category}: {Message} ({Exception.GetType().Name}: {Exception.Message})",
    };
}

/// <summary>
/// The logger of a test: keeps every line (for assertions on what was reported), copies it to the test's xunit
/// output, and fails the test at dispose when an Error or Critical line was logged that the test did not declare
/// with <see cref="ExpectErrors"/>. As MQTTnet's test environment does: an error log nobody asserted on is a bug
/// the assertions missed.
/// </summary>
public sealed class TestLoggerProvider(ITestOutputHelper? output = null) : ILoggerProvider
{
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _errorsExpected;
    private volatile bool _disposed;

    /// <summary>Every line logged, in order.</summary>
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>Declares that this test provokes Error/Critical logs on purpose (bad input, injected faults).</summary>
    public TestLoggerProvider ExpectErrors()
    {
        _errorsExpected = true;
        return this;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>A logger for <typeparamref name="T"/>, for code that takes an ILogger without a host.</summary>
    public ILogger<T> CreateLogger<T>() => new Logger<T>(new ProviderFactory(this));

    /// <summary>
    /// Waits until a line matching <paramref name="match"/> has been logged (woken by each new line, no polling),
    /// or throws a <see cref="TimeoutException"/> listing the log after <paramref name="timeout"/>.
    /// </summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var written = Volatile.Read(ref _written).Task;
            if (Entries.FirstOrDefault(match) is { } hit)
            {
                return hit;
            }

            try
            {
                await written.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No log line {what} within {timeout}; the log:{Environment.NewLine}{this}");
            }
        }
    }

    /// <summary>Whether any line contains <paramref name="text"/>.</summary>
    public bool Contains(string text) => Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal));

    public override string ToString() => string.Join(Environment.NewLine, Entries);

    /// <summary>Fails (throws) when an unexpected Error or Critical line was logged, listing the whole log.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_errorsExpected && Entries.Any(e => e.Level >= LogLevel.Error && e.Level != LogLevel.None))
        {
            throw new InvalidOperationException(
                "The test logged an unexpected Error/Critical line (call ExpectErrors() if the test provokes it on purpose):"
                + Environment.NewLine + this);
        }
    }

    private void Write(LogEntry entry)
    {
        // Lines logged after the test ended (a host stopping in the background) are not the test's concern.
        if (_disposed)
        {
            return;
        }

        Entries.Enqueue(entry);
        Interlocked.Exchange(ref _written, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            output?.WriteLine(entry.ToString());
        }
        catch (InvalidOperationException)
        {
            // xunit refuses output once the test has finished; the line is still kept in Entries.
        }
    }

    private sealed class Logger(TestLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write(new LogEntry(logLevel, category, formatter(state, exception), exception));
    }

    /// <summary>Just enough of a factory for <see cref="Logger{T}"/>; the provider stays owned by the test.</summary>
    private sealed class ProviderFactory(TestLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
