using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using PaymentFunctions.Payments;

namespace PaymentFunctions;

/// <summary><c>POST /api/payments</c>: parse the body, process the payment, map the outcome to a response.</summary>
public sealed class PaymentsFunction(PaymentRequestParser parser, PaymentService payments)
{
    [Function(nameof(ProcessPayment))]
    public async Task<HttpResponseData> ProcessPayment(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "payments")] HttpRequestData request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;

        PaymentRequestParseResult parsed;
        using (var body = await LimitedBody.ReadAsync(request.Body, PaymentRequestParser.MaxBodyBytes, cancellationToken))
        {
            parsed = parser.Parse(body.Bytes);
        }

        if (parsed.Request is not { } payment)
        {
            payments.RecordRejected(parsed);
            return await Problems.ValidationAsync(request, parsed.Errors, cancellationToken);
        }

        try
        {
            var result = await payments.ProcessAsync(payment, context.InvocationId, cancellationToken);
            return await Problems.JsonAsync(request, HttpStatusCode.OK, "application/json", result, cancellationToken);
        }
        catch (InvalidPaymentMethodException ex)
        {
            return await Problems.PaymentAsync(request, (HttpStatusCode)402, "payment-declined", "The payment was declined.", ex, cancellationToken);
        }
        catch (GatewayTimeoutException ex)
        {
            return await Problems.PaymentAsync(request, HttpStatusCode.GatewayTimeout, "gateway-timeout", "The payment gateway timed out.", ex, cancellationToken);
        }
    }
}
