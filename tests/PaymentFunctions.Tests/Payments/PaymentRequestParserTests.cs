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

    public static TheoryData<string, string, string> ExactErrors => new()
    {
        { "not json", "body", "The body must be a well-formed JSON object." },
        { "[1]", "body", "The body must be a JSON object." },
        { """{"userId":"u","amount":1,"currency":"USD"}""", "orderId", "orderId is required." },
        { """{"orderId":null,"userId":"u","amount":1,"currency":"USD"}""", "orderId", "orderId is required." },
        { """{"orderId":"o","userId":7,"amount":1,"currency":"USD"}""", "userId", "userId must be a string." },
        { """{"orderId":"o","userId":"","amount":1,"currency":"USD"}""", "userId", "userId must be 1 to 128 printable characters." },
        { """{"orderId":"o\u0007","userId":"u","amount":1,"currency":"USD"}""", "orderId", "orderId must be 1 to 128 printable characters." },
        { """{"orderId":"o","userId":"u","currency":"USD"}""", "amount", "amount is required." },
        { """{"orderId":"o","userId":"u","amount":null,"currency":"USD"}""", "amount", "amount is required." },
        { """{"orderId":"o","userId":"u","amount":"1","currency":"USD"}""", "amount", "amount must be a number." },
        { """{"orderId":"o","userId":"u","amount":1e400,"currency":"USD"}""", "amount", "amount must be a finite number." },
        { """{"orderId":"o","userId":"u","amount":0,"currency":"USD"}""", "amount", "amount must be greater than 0." },
        { """{"orderId":"o","userId":"u","amount":100000.01,"currency":"USD"}""", "amount", "amount must not exceed 100000." },
        { """{"orderId":"o","userId":"u","amount":1}""", "currency", "currency is required." },
        { """{"orderId":"o","userId":"u","amount":1,"currency":null}""", "currency", "currency is required." },
        { """{"orderId":"o","userId":"u","amount":1,"currency":3}""", "currency", "currency must be a string." },
        { """{"orderId":"o","userId":"u","amount":1,"currency":"EUR"}""", "currency", "currency must be one of: USD." },
        { """{"orderId":"o","userId":"u","amount":1,"currency":"USD","userTier":"gold"}""", "userTier", "userTier must be one of: basic, premium, standard." },
        { """{"orderId":"o","userId":"u","amount":1,"currency":"USD","paymentMethod":"cash"}""", "paymentMethod", "paymentMethod must be one of: apple_pay, credit_card, debit_card, paypal." },
    };

    [Theory]
    [MemberData(nameof(ExactErrors))]
    public void A_bad_field_is_named_with_its_whole_message_and_is_the_rejection_cause(string body, string field, string message)
    {
        var parsed = new PaymentRequestParser(Options.Create(new PaymentOptions())).Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(parsed.Request);
        var error = Assert.Single(parsed.Errors);
        Assert.Equal(field, error.Key);
        Assert.Equal([message], error.Value);
        Assert.Equal(field == "body" ? "malformed_body" : field, parsed.RejectionCause);
    }

    [Fact]
    public void Several_bad_fields_are_all_named_and_the_first_in_request_order_is_the_cause()
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions()));

        var parsed = parser.Parse(Encoding.UTF8.GetBytes("""{"orderId":"o","userId":"u","amount":-1,"currency":"EUR","userTier":"x","paymentMethod":"y"}"""));

        Assert.Equal(["amount", "currency", "paymentMethod", "userTier"], parsed.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("amount", parsed.RejectionCause);
    }

    [Fact]
    public void Ids_of_128_printable_characters_are_accepted_and_one_of_129_is_not()
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions()));
        var id = new string('i', 128);

        var parsed = parser.Parse(Encoding.UTF8.GetBytes($$"""{"orderId":"{{id}}","userId":"{{id}}","amount":1,"currency":"USD"}"""));
        var tooLong = parser.Parse(Encoding.UTF8.GetBytes($$"""{"orderId":"o","userId":"{{id}}i","amount":1,"currency":"USD"}"""));

        Assert.Equal(new PaymentRequest(id, id, 1m, "USD"), parsed.Request);
        Assert.Equal("userId", tooLong.RejectionCause);
    }

    [Fact]
    public void A_body_of_exactly_64_KiB_is_parsed_and_one_byte_more_is_too_large()
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions()));
        const string Start = """{"orderId":"o","userId":"u","amount":1,"currency":"USD","pad":" """;
        var body = Start + new string(' ', PaymentRequestParser.MaxBodyBytes - Start.Length - 2) + "\"}";
        Assert.Equal(65536, Encoding.UTF8.GetByteCount(body));

        var parsed = parser.Parse(Encoding.UTF8.GetBytes(body));
        var tooLarge = parser.Parse(Encoding.UTF8.GetBytes(body + " "));

        Assert.NotNull(parsed.Request);
        Assert.Empty(parsed.Errors);
        Assert.Null(parsed.RejectionCause);
        Assert.Equal("too_large", tooLarge.RejectionCause);
        Assert.Equal(["The body must not exceed 65536 bytes."], tooLarge.Errors["body"]);
    }

    [Fact]
    public void Json_nested_deeper_than_16_levels_is_a_malformed_body()
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions()));
        static string Body(int depth) =>
            $$"""{"orderId":"o","userId":"u","amount":1,"currency":"USD","pad":{{new string('[', depth - 1)}}{{new string(']', depth - 1)}}}""";

        Assert.NotNull(parser.Parse(Encoding.UTF8.GetBytes(Body(16))).Request);
        Assert.Equal("malformed_body", parser.Parse(Encoding.UTF8.GetBytes(Body(17))).RejectionCause);
    }

    [Fact]
    public void A_default_outside_the_allow_list_is_still_the_seed_default()
    {
        var parser = new PaymentRequestParser(Options.Create(new PaymentOptions { AllowedUserTiers = "premium", AllowedPaymentMethods = "paypal" }));

        var parsed = parser.Parse(Encoding.UTF8.GetBytes("""{"orderId":"o","userId":"u","amount":1,"currency":"USD"}"""));

        Assert.Equal(new PaymentRequest("o", "u", 1m, "USD", "standard", "credit_card"), parsed.Request);
    }
}
