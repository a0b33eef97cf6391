using System.Collections.Concurrent;
using Prometheus;

namespace PaymentFunctions.Metrics;

/// <summary>
/// Records one function invocation: <c>function_invocations_total{function,outcome}</c>, <c>function_duration_seconds</c>,
/// <c>function_cold_starts_total</c> for the first invocation of this instance; then asks for a push, which returns
/// at once. Host-independent, so the worker middleware stays a thin adapter.
/// </summary>
public sealed class FunctionInvocationRecorder(PaymentMetrics metrics, MetricPushService pusher, TimeProvider timeProvider)
{
    public const string Success = "success";
    public const string Failure = "failure";

    // Function names come from the app's own function metadata, so these caches stay as small as the app.
    private readonly ConcurrentDictionary<(string Function, string Outcome), Counter.Child> _invocations = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _durations = new(StringComparer.Ordinal);
    private int _invoked;

    /// <summary>
    /// Runs <paramref name="invocation"/> and records it. The outcome is <c>failure</c> when it throws (the exception
    /// propagates unchanged) or when <paramref name="resultIsFailure"/> says so afterwards (for example an HTTP 5xx).
    /// </summary>
    public async Task RecordAsync(string functionName, Func<Task> invocation, Func<bool>? resultIsFailure = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (Interlocked.Exchange(ref _invoked, 1) == 0)
        {
            metrics.FunctionColdStarts.WithLabels(functionName).Inc();
        }

        var started = timeProvider.GetTimestamp();
        var outcome = Failure;
        try
        {
            await invocation().ConfigureAwait(false);
            outcome = resultIsFailure?.Invoke() == true ? Failure : Success;
        }
        finally
        {
            _durations.GetOrAdd(functionName, static (name, m) => m.FunctionDuration.WithLabels(name), metrics)
                .Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            _invocations.GetOrAdd((functionName, outcome), static (key, m) => m.FunctionInvocations.WithLabels(key.Function, key.Outcome), metrics)
                .Inc();
            pusher.RequestPush();
        }
    }
}
