using PaymentFunctions.Payments;

namespace PaymentFunctions.Demo;

/// <summary>The seed tutorial's five demo payments.</summary>
internal static class DemoPayments
{
    public static IReadOnlyList<PaymentRequest> All { get; } =
    [
        new("order_1", "user_123", 50.0m, "USD", "standard", "credit_card"),
        new("order_2", "user_456", 150.0m, "USD", "premium", "paypal"),
        new("order_3", "user_789", 1200.0m, "USD", "standard", "credit_card"),
        new("order_4", "user_321", 25.0m, "USD", "basic", "debit_card"),
        new("order_5", "user_654", 500.0m, "USD", "premium", "apple_pay"),
    ];
}
