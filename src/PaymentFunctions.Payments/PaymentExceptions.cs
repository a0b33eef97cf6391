namespace PaymentFunctions.Payments;

/// <summary>A payment the gateway did not complete. Its type name is the <c>error_type</c> label of <c>errors_total</c>.</summary>
public abstract class PaymentException : Exception
{
    protected PaymentException(string message)
        : base(message)
    {
    }
}

/// <summary>The gateway did not answer in time.</summary>
public sealed class GatewayTimeoutException(string message) : PaymentException(message);

/// <summary>The gateway declined the payment method.</summary>
public sealed class InvalidPaymentMethodException(string message) : PaymentException(message);
