using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using PaymentFunctions.Metrics;

namespace PaymentFunctions;

/// <summary>
/// Worker middleware: every invocation goes through <see cref="FunctionInvocationRecorder"/> (counts, duration, cold
/// start, then a push request that returns at once). An HTTP answer of 5xx counts as a failure.
/// </summary>
internal sealed class InvocationMetricsMiddleware(FunctionInvocationRecorder recorder) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) =>
        recorder.RecordAsync(context.FunctionDefinition.Name, () => next(context), () => IsServerError(context));

    private static bool IsServerError(FunctionContext context)
    {
        // Reading the invocation result goes through the worker's internal binding features: only HTTP triggers have
        // a response, and a context without those features is not a failure of the function.
        try
        {
            return context.GetHttpResponseData() is { } response && (int)response.StatusCode >= 500;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
