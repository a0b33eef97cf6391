namespace PaymentFunctions.Payments;

/// <summary>The payment gateway. Throws a <see cref="PaymentException"/> when it does not complete a payment.</summary>
public interface IPaymentGateway
{
    /// <summary>The <c>gateway</c> label value.</summary>
    string Name { get; }

    /// <summary>Charges the payment and returns the gateway's transaction id.</summary>
    Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken);
}
