using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using PaymentFunctions.Metrics;

namespace PaymentFunctions;

/// <summary>
/// Worker middleware: every invocation goes through <see cref="FunctionInvocationRecorder"/> (counts, duration, cold
/// start, then a push request that returns at once). An HTTP answer of 5xx counts as a failure, 4xx as a client error.
/// </summary>
internal sealed class InvocationMetricsMiddleware(FunctionInvocationRecorder recorder) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) =>
        recorder.RecordAsync(context.FunctionDefinition.Name, () => next(context), () => ResponseStatus(context));

    private static int? ResponseStatus(FunctionContext context)
    {
        // Reading the invocation result goes through the worker's internal binding features: only HTTP triggers have
        // a response, and a context without those features has no status (a success of the function).
        try
        {
            return context.GetHttpResponseData() is { } response ? (int)response.StatusCode : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
