using System.Text;
using Microsoft.Extensions.Options;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Tests.Payments;

public sealed class PaymentRequestParserTests
{
    [Fact]
    public void Accepted_label_values_are_the_configured_instances_so_the_recorder_finds_them_by_reference()
    {
        var options = Options.Create(new PaymentOptions());
        var parser = new PaymentRequestParser(options);

        var parsed = parser.Parse(Encoding.UTF8.GetBytes(
            """{"orderId":"o","userId":"u","amount":12.5,"currency":"USD","userTier":"premium","paymentMethod":"paypal"}""")).Request;
        var defaulted = parser.Parse(Encoding.UTF8.GetBytes("""{"orderId":"o","userId":"u","amount":1,"currency":"USD"}""")).Request;

        Assert.NotNull(parsed);
        Assert.Equal(new PaymentRequest("o", "u", 12.5m, "USD", "premium", "paypal"), parsed);
        Assert.Same(options.Value.UserTiers.Single(t => t == "premium"), parsed.UserTier);
        Assert.Same(options.Value.PaymentMethods.Single(m => m == "paypal"), parsed.PaymentMethod);
        Assert.Same(options.Value.Currencies.Single(c => c == "USD"), parsed.Currency);
        Assert.NotNull(defaulted);
        Assert.Same(options.Value.UserTiers.Single(t => t == "standard"), defaulted.UserTier);
    }

    [Theory]
    [InlineData("0.01", true)]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("100000", true)] // exactly the maximum is allowed
    [InlineData("100000.01", false)]
    public void The_amount_must_be_above_zero_and_at_most_the_maximum(string amount, bool accepted)
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions { MaxAmount = 100_000m }));

        var parsed = parser.Parse(Encoding.UTF8.GetBytes($$"""{"orderId":"o","userId":"u","amount":{{amount}},"currency":"USD"}"""));

        Assert.Equal(accepted, parsed.Request is not null);
        Assert.Equal(accepted ? null : "amount", parsed.RejectionCause);
    }
}
