using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureFunctions.PrometheusPush.Internal.Invocations;

/// <summary>
/// Worker middleware: every invocation goes through <see cref="InvocationRecorder"/> (counts, duration, cold start, then
/// a push request that returns at once), its outcome read from its HTTP answer (<see cref="InvocationOutcome"/>).
/// </summary>
internal sealed class InvocationMiddleware(InvocationRecorder recorder) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return recorder.RecordAsync(context.FunctionDefinition.Name, () => next(context), () => InvocationOutcome.StatusOf(context));
    }
}
