using System.Net;
using System.Text.Json;

namespace PaymentFunctions.Tests.Functions;

public sealed class InvalidPaymentTests
{
    public static TheoryData<string, string[]> InvalidBodies => new()
    {
        { """{"orderId":"o","userId":""", ["body"] },
        { "not json", ["body"] },
        { """{"orderId":"o","userId":"u","amount":NaN,"currency":"USD"}""", ["body"] },
        { "[1,2]", ["body"] },
        { "", ["body"] },
        { "{}", ["amount", "currency", "orderId", "userId"] },
        { """{"orderId":5,"userId":"u","amount":"10","currency":1,"userTier":true,"paymentMethod":[]}""", ["amount", "currency", "orderId", "paymentMethod", "userTier"] },
        { """{"orderId":"o","userId":"u","amount":0,"currency":"USD"}""", ["amount"] },
        { """{"orderId":"o","userId":"u","amount":-5,"currency":"USD"}""", ["amount"] },
        { """{"orderId":"o","userId":"u","amount":1e400,"currency":"USD"}""", ["amount"] },
        { """{"orderId":"o","userId":"u","amount":100000.01,"currency":"USD"}""", ["amount"] },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"XYZ"}""", ["currency"] },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"usd"}""", ["currency"] },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"USD","userTier":"gold"}""", ["userTier"] },
        { """{"orderId":"o","userId":"u","amount":10,"currency":"USD","paymentMethod":"bitcoin"}""", ["paymentMethod"] },
        { """{"orderId":"   ","userId":"u","amount":10,"currency":"USD"}""", ["orderId"] },
        { $$"""{"orderId":"{{new string('x', 129)}}","userId":"u","amount":10,"currency":"USD"}""", ["orderId"] },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_input_answers_400_problem_json_naming_every_bad_field_and_records_nothing(string body, string[] fields)
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

        await AssertNoPaymentSeriesAsync(app);
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
        await AssertNoPaymentSeriesAsync(app);
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
    }

    private static async Task AssertNoPaymentSeriesAsync(TestApp app)
    {
        var metrics = await app.ScrapeAsync();
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("payment_", StringComparison.Ordinal) || s.Name.StartsWith("errors_", StringComparison.Ordinal));
    }
}
