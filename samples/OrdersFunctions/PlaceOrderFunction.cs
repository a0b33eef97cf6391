using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace OrdersFunctions;

/// <summary><c>POST /api/orders</c> with <c>{"channel":"web","amount":12.5}</c>: counts the order, or answers 400 naming the field.</summary>
public sealed class PlaceOrderFunction(OrderMetrics metrics)
{
    [Function(nameof(PlaceOrder))]
    public async Task<IActionResult> PlaceOrder(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders")] HttpRequest request, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Order? order;
        try
        {
            order = await request.ReadFromJsonAsync<Order>(context.CancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            order = null;
        }

        var errors = new Dictionary<string, string[]>();
        if (order is null)
        {
            errors["body"] = ["The body must be a JSON object."];
        }
        else
        {
            if (!OrderMetrics.Channels.Contains(order.Channel))
            {
                errors["channel"] = [$"Must be one of: {string.Join(", ", OrderMetrics.Channels)}."];
            }

            if (order.Amount is not (> 0 and <= 1_000_000))
            {
                errors["amount"] = ["Must be above 0 and at most 1000000."];
            }
        }

        if (errors.Count > 0)
        {
            return new BadRequestObjectResult(new ValidationProblemDetails(errors)) { ContentTypes = { "application/problem+json" } };
        }

        metrics.RecordPlaced(order!.Channel!, order.Amount);
        return new OkObjectResult(new { accepted = true });
    }

    private sealed record Order(string? Channel, double Amount);
}
