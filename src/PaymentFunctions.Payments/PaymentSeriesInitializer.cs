using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>
/// The payment metrics' whole label space, from the configured allow-lists: every status and tier of the request counter,
/// every method of the duration histogram, every currency and tier of the amount histogram, every payment error type and
/// severity of the error counter, and every cause of the rejected-request counter; and the pool gauges at their baseline.
/// An exception outside <see cref="PaymentException"/>'s subclasses (a cancellation, a bug) is still counted under its
/// type name, from its first occurrence on.
/// </summary>
internal sealed class PaymentSeriesInitializer(PaymentMetrics metrics, IOptions<PaymentOptions> options, IPaymentGateway gateway, SimulatedConnectionPool pool)
{
    /// <summary>The <c>error_type</c> values the payment flow raises itself.</summary>
    internal static readonly string[] PaymentErrorTypes = [nameof(GatewayTimeoutException), nameof(InvalidPaymentMethodException)];

    public void CreateSeries()
    {
        // The pool gauges from start-up: an idle instance shows its baseline, not nothing until its first payment.
        pool.Publish();
        var settings = options.Value;
        foreach (var tier in settings.UserTiers)
        {
            foreach (var status in PaymentMetricsRecorder.Statuses)
            {
                metrics.PaymentRequests.WithLabels(status, gateway.Name, tier);
            }

            foreach (var currency in settings.Currencies)
            {
                metrics.PaymentAmount.WithLabels(currency, tier);
            }
        }

        foreach (var method in settings.PaymentMethods)
        {
            metrics.PaymentDuration.WithLabels(gateway.Name, method);
        }

        foreach (var cause in PaymentRequestParser.RejectionCauses)
        {
            metrics.PaymentRejections.WithLabels(cause);
        }

        foreach (var errorType in PaymentErrorTypes)
        {
            foreach (var severity in PaymentMetricsRecorder.Severities)
            {
                metrics.Errors.WithLabels(PaymentMetrics.PaymentService, errorType, severity);
            }
        }
    }
}
