using System.Net;
using System.Text.Json;

namespace PaymentFunctions.Tests.Functions;

public sealed class InvalidPaymentTests
{
    public static TheoryData<string, string[], string> InvalidBodies => new()
    {
        { """{"orderId":"o","userId":""", ["body"], "malformed_body" },
        { "not json", ["body"], "malformed_body" },
        { """{"orderId":"o","userId":"u","amount":NaN,"currency":"USD"}""", ["body"], "malformed_body" },
        { "[1,2]", ["body"], "malformed_body" },
        { "", ["body"], "malformed_body" },
        { "{}", ["amount", "currency", "orderId", "userId"], "orderId" },
        { """{"orderId":5,"userId":"u","amount":"10","currency":1,"userTier":true,"paymentMethod":[]}""", ["amount", "currency", "orderId", "paymentMethod", "userTier"], "orderId" },
        { """{"orderId":"o","userId":"u","amount":0,"currency":"USD"}""", ["amount"], "amount" },
        { """{"orderId":"o","userId":"u","amount":-5,"currency":"USD"}""", ["amount"], "amount" },
        { """{"orderId":"o","userId":"u","amount":1e400,"currency":"USD"}""", ["amount"], "amount" },
        { """{"orderId":"o","userId":"u","amount":100000.01,"currency":"USD"}""", ["amount"], "amount" },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"XYZ"}""", ["currency"], "currency" },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"usd"}""", ["currency"], "currency" },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"USD","userTier":"gold"}""", ["userTier"], "userTier" },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"USD","paymentMethod":"bitcoin"}""", ["paymentMethod"], "paymentMethod" },
        { """{"orderId":"   ","userId":"u","amount":10,"currency":"USD"}""", ["orderId"], "orderId" },
        { $$"""{"orderId":"{{new string('x', 129)}}","userId":"u","amount":10,"currency":"USD"}""", ["orderId"], "orderId" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_input_answers_400_problem_json_naming_every_bad_field_and_counts_one_rejection_by_cause(string body, string[] fields, string cause)
    {
        using var app = TestApp.Create();

        var response = await app.PostPaymentAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", response.ContentType);
        using var problem = JsonDocument.Parse(response.BodyText());
        Assert.Equal("urn:payment-functions:problem:validation", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(fields, errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var field in errors.EnumerateObject())
        {
            Assert.NotEmpty(field.Value.EnumerateArray().Single().GetString()!);
        }

        await AssertOnlyRejectionCountedAsync(app, cause);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_rejected_without_reading_it_all()
    {
        using var app = TestApp.Create();
        var body = $$"""{"orderId":"o","userId":"u","amount":10,"currency":"USD","pad":"{{new string(' ', 64 * 1024)}}"}""";

        var response = await app.PostPaymentAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(response.BodyText());
        Assert.Equal("The body must not exceed 65536 bytes.", problem.RootElement.GetProperty("errors").GetProperty("body")[0].GetString());
        await AssertOnlyRejectionCountedAsync(app, "too_large");
    }

    [Fact]
    public async Task Rejected_input_creates_no_new_label_value_next_to_accepted_payments()
    {
        using var app = TestApp.Create();
        await app.PostPaymentAsync("""{"orderId":"o","userId":"u","amount":10,"currency":"USD"}""");
        var before = await app.ScrapeAsync();

        for (var i = 0; i < 50; i++)
        {
            var response = await app.PostPaymentAsync($$"""{"orderId":"o","userId":"u","amount":10,"currency":"C{{i}}","userTier":"t{{i}}","paymentMethod":"m{{i}}"}""");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var after = await app.ScrapeAsync();
        Assert.Equal(before.Samples.Count, after.Samples.Count);
        Assert.Equal(new HashSet<string> { "USD" }, after.LabelValues("payment_amount_usd_count", "currency"));
        Assert.Equal(1, after.Value("payment_requests_total", ("status", "success")));
        // Made-up currencies, tiers and methods count under the first field at fault, never under the values sent.
        Assert.Equal(50, after.Value("payment_rejected_requests_total", ("cause", "currency")));
        Assert.Equal(
            ["amount", "currency", "malformed_body", "orderId", "paymentMethod", "too_large", "userId", "userTier"],
            after.LabelValues("payment_rejected_requests_total", "cause").Order(StringComparer.Ordinal));
    }

    /// <summary>Nothing reached the payment metrics; the rejection counter has exactly one, under the expected cause.</summary>
    private static async Task AssertOnlyRejectionCountedAsync(TestApp app, string cause)
    {
        var metrics = await app.ScrapeAsync();
        Assert.DoesNotContain(metrics.Samples, s => s.Name is not "payment_rejected_requests_total"
            && (s.Name.StartsWith("payment_", StringComparison.Ordinal) || s.Name.StartsWith("errors_", StringComparison.Ordinal)));
        Assert.Equal(1, metrics.Value("payment_rejected_requests_total", ("cause", cause)));
        Assert.Equal(1, metrics.Find("payment_rejected_requests_total").Sum(s => s.Value));
    }
}
