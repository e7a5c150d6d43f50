using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>Keeps every log line a host writes, with its scopes and exception text, for tests that read the logs.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            provider._scopes.ForEachScope((scope, list) => list.Add(Describe(scope)), scopes);
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            provider._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | scopes: {string.Join(" / ", scopes)} | {exception}");
        }

        private static string Describe(object? scope) => scope switch
        {
            IEnumerable<KeyValuePair<string, object?>> pairs => string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")),
            _ => scope?.ToString() ?? "",
        };
    }
}
