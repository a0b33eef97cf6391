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

    /// <summary>The invocation answered 4xx: the caller's request was refused (not a success, and not the app's failure).</summary>
    public const string ClientError = "client_error";

    /// <summary>Every value of the <c>outcome</c> label; the app creates each function's series at zero for all of them.</summary>
    internal static readonly string[] Outcomes = [Success, ClientError, Failure];

    // Function names come from the app's own function metadata, so these caches stay as small as the app.
    private readonly ConcurrentDictionary<(string Function, string Outcome), Counter.Child> _invocations = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _durations = new(StringComparer.Ordinal);
    private int _invoked;

    /// <summary>
    /// Runs <paramref name="invocation"/> and records it. The outcome is <c>failure</c> when it throws (the exception
    /// propagates unchanged); otherwise it follows the HTTP status <paramref name="responseStatus"/> gives afterwards
    /// (<see cref="OutcomeOf"/>); a function without one (a timer) succeeded.
    /// </summary>
    public async Task RecordAsync(string functionName, Func<Task> invocation, Func<int?>? responseStatus = null)
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
            outcome = OutcomeOf(responseStatus?.Invoke());
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

    /// <summary>The outcome of an invocation that returned: 5xx a failure, 4xx a client error, anything else (or no HTTP response) a success.</summary>
    public static string OutcomeOf(int? httpStatus) => httpStatus switch
    {
        >= 500 => Failure,
        >= 400 => ClientError,
        _ => Success,
    };
}
