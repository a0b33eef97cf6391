using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AzureFunctions.PrometheusPush.Internal.Invocations;

/// <summary>
/// The <c>outcome</c> of an invocation, from its HTTP answer under either HTTP model: the worker's own
/// (<c>HttpResponseData</c>) or the ASP.NET Core integration (<c>IActionResult</c> or <c>IResult</c>, executed after the
/// middleware returns, so read from the result object itself, or from the response when the function wrote it).
/// </summary>
internal static class InvocationOutcome
{
    public const string Success = "success";
    public const string Failure = "failure";

    /// <summary>The invocation answered 4xx: the caller's request was refused (not a success, and not the app's failure).</summary>
    public const string ClientError = "client_error";

    /// <summary>Every value of the <c>outcome</c> label.</summary>
    public static readonly string[] All = [Success, ClientError, Failure];

    // The ASP.NET Core integration keeps the request's HttpContext in FunctionContext.Items under this key.
    private const string HttpContextItem = "HttpRequestContext";

    // IStatusCodeActionResult (MVC results) and IStatusCodeHttpResult (minimal API results) both carry an int? StatusCode.
    private static readonly string[] StatusCodeInterfaces = ["IStatusCodeActionResult", "IStatusCodeHttpResult"];
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> StatusCodeProperties = new();

    /// <summary>The outcome of an invocation that returned: 5xx a failure, 4xx a client error, anything else (or no HTTP answer) a success.</summary>
    public static string Of(int? httpStatus) => httpStatus switch
    {
        >= 500 => Failure,
        >= 400 => ClientError,
        _ => Success,
    };

    /// <summary>The HTTP status the invocation answers with, or null when it has no HTTP answer (a timer, a queue).</summary>
    public static int? StatusOf(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            if (context.GetHttpResponseData() is { } response)
            {
                return (int)response.StatusCode;
            }
        }
        catch (InvalidOperationException)
        {
            // Outside the worker's HTTP binding (a context without its features): not an HTTP answer of that model.
        }

        object? result;
        try
        {
            result = context.GetInvocationResult().Value;
        }
        catch (InvalidOperationException)
        {
            result = null;
        }

        if (result is not null && StatusCodeOf(result) is { } status)
        {
            return status;
        }

        // A function of the ASP.NET Core integration that wrote its response itself (or returned a result without a
        // status, such as an empty one): the response says it.
        return context.Items.TryGetValue(HttpContextItem, out var httpContext) && httpContext is not null
            ? ResponseStatusOf(httpContext)
            : null;
    }

    /// <summary>The status of an ASP.NET Core result object; null when it is none, or carries no status (200 then).</summary>
    private static int? StatusCodeOf(object result)
    {
        var property = StatusCodeProperties.GetOrAdd(result.GetType(), static type =>
            type.GetInterfaces().FirstOrDefault(i => StatusCodeInterfaces.Contains(i.Name, StringComparer.Ordinal))?.GetProperty("StatusCode"));
        return property?.GetValue(result) as int?;
    }

    private static int? ResponseStatusOf(object httpContext) =>
        httpContext.GetType().GetProperty("Response")?.GetValue(httpContext) is { } response
            ? response.GetType().GetProperty("StatusCode")?.GetValue(response) as int?
            : null;
}
