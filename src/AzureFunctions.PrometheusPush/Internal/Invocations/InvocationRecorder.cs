using System.Collections.Concurrent;
using Prometheus;

namespace AzureFunctions.PrometheusPush.Internal.Invocations;

/// <summary>
/// Records one function invocation: <c>function_invocations_total{function,outcome}</c>, <c>function_duration_seconds</c>,
/// <c>function_cold_starts_total</c> for the first invocation of this instance; then asks for a push, which returns at
/// once. Host-independent, so the worker middleware stays a thin adapter.
/// </summary>
internal sealed class InvocationRecorder(InvocationMetrics metrics, PushgatewayPusher pusher, TimeProvider timeProvider)
{
    // Function names come from the app's own function metadata, so these caches stay as small as the app.
    private readonly ConcurrentDictionary<(string Function, string Outcome), Counter.Child> _invocations = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _durations = new(StringComparer.Ordinal);
    private int _invoked;

    /// <summary>
    /// Runs <paramref name="invocation"/> and records it. The outcome is <c>failure</c> when it throws (the exception
    /// propagates unchanged); otherwise it follows the HTTP status <paramref name="responseStatus"/> gives afterwards; a
    /// function without one (a timer) succeeded.
    /// </summary>
    public async Task RecordAsync(string functionName, Func<Task> invocation, Func<int?>? responseStatus = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (Interlocked.Exchange(ref _invoked, 1) == 0)
        {
            metrics.ColdStarts.WithLabels(functionName).Inc();
        }

        var started = timeProvider.GetTimestamp();
        var outcome = InvocationOutcome.Failure;
        try
        {
            await invocation().ConfigureAwait(false);
            outcome = InvocationOutcome.Of(responseStatus?.Invoke());
        }
        finally
        {
            _durations.GetOrAdd(functionName, static (name, m) => m.Duration.WithLabels(name), metrics)
                .Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            _invocations.GetOrAdd((functionName, outcome), static (key, m) => m.Invocations.WithLabels(key.Function, key.Outcome), metrics)
                .Inc();
            pusher.RequestPush();
        }
    }
}
