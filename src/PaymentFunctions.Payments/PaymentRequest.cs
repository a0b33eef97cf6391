namespace PaymentFunctions.Payments;

/// <summary>A payment to process. Tier and method default as in the seed tutorial.</summary>
public sealed record PaymentRequest(
    string OrderId,
    string UserId,
    decimal Amount,
    string Currency,
    string UserTier = PaymentRequest.DefaultUserTier,
    string PaymentMethod = PaymentRequest.DefaultPaymentMethod)
{
    public const string DefaultUserTier = "standard";
    public const string DefaultPaymentMethod = "credit_card";
}

/// <summary>A processed payment.</summary>
public sealed record PaymentResult(string Status, string TransactionId, double DurationSeconds);
