using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// The outcome of a finished invocation under both HTTP models: the worker's own (<c>HttpResponseData</c>, the payment
/// app's) and the ASP.NET Core integration, whose <c>IActionResult</c> or <c>IResult</c> is executed only after the
/// middleware returned, so the status is read from the result object, else from the response the function wrote.
/// </summary>
public sealed class InvocationOutcomeTests : IAsyncDisposable
{
    private static readonly System.Reflection.MethodInfo Http = DeliveryApp.ProcessPayment;
    private static readonly System.Reflection.MethodInfo Timer = typeof(SystemMetricsFunction).GetMethod(nameof(SystemMetricsFunction.SampleSystemMetrics))!;

    private readonly DeliveryApp _app = DeliveryApp.StartAsync(gateway: null).GetAwaiter().GetResult();

    public static TheoryData<object, int?, string> Results => new()
    {
        { new BadRequestObjectResult(new ValidationProblemDetails()), 400, "client_error" },
        { new NotFoundResult(), 404, "client_error" },
        { new StatusCodeResult(500), 500, "failure" },
        { new ObjectResult("unavailable") { StatusCode = 503 }, 503, "failure" },
        { new OkObjectResult(new { accepted = true }), 200, "success" },
        { Microsoft.AspNetCore.Http.Results.BadRequest(), 400, "client_error" },
        { Microsoft.AspNetCore.Http.Results.Problem(statusCode: 502), 502, "failure" },
        { TypedResults.Ok("fine"), 200, "success" },
        { TypedResults.UnprocessableEntity(), 422, "client_error" },
    };

    [Theory]
    [MemberData(nameof(Results))]
    public void An_ASP_NET_Core_result_gives_its_status_before_it_is_executed(object result, int? status, string outcome)
    {
        var context = WorkerPipeline.Finished(_app.Services, Http, result, new DefaultHttpContext());

        Assert.Equal(status, InvocationOutcome.StatusOf(context));
        Assert.Equal(outcome, InvocationOutcome.Of(InvocationOutcome.StatusOf(context)));
    }

    [Fact]
    public void A_result_without_a_status_or_a_response_the_function_wrote_itself_gives_the_responses_status()
    {
        var wrote = new DefaultHttpContext();
        wrote.Response.StatusCode = 409;

        Assert.Equal(409, InvocationOutcome.StatusOf(WorkerPipeline.Finished(_app.Services, Http, new EmptyResult(), wrote)));
        Assert.Equal(409, InvocationOutcome.StatusOf(WorkerPipeline.Finished(_app.Services, Http, result: null, wrote)));
        Assert.Equal(200, InvocationOutcome.StatusOf(WorkerPipeline.Finished(_app.Services, Http, new ObjectResult("x"), new DefaultHttpContext())));
    }

    [Fact]
    public void The_workers_own_HttpResponseData_gives_its_status()
    {
        var context = FunctionTestContext.Create(_app.Services, "inv");
        var response = new TestHttpResponseData(context) { StatusCode = (HttpStatusCode)402 };

        Assert.Equal(402, InvocationOutcome.StatusOf(WorkerPipeline.Finished(_app.Services, Http, response)));
    }

    [Fact]
    public void An_invocation_without_an_HTTP_answer_has_no_status_and_succeeded()
    {
        var timer = WorkerPipeline.Finished(_app.Services, Timer, result: null);

        Assert.Null(InvocationOutcome.StatusOf(timer));
        Assert.Equal("success", InvocationOutcome.Of(null));
        Assert.Null(InvocationOutcome.StatusOf(WorkerPipeline.Finished(_app.Services, Http, "a queue message's return value")));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
