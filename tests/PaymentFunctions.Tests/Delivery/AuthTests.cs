using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Point 5: only the app may push. A real gateway with bcrypt basic auth and TLS (a certificate the test generates).</summary>
public sealed class AuthTests : IAsyncLifetime, IDisposable
{
    private const string Username = "payment-app";
    private const string Password = "pw-7c1f0e-do-not-log";
    private readonly SecuredGatewayConfig _config = new(Username, Password);
    private PushgatewayProcess? _gateway;

    private PushgatewayProcess Gateway => _gateway!;

    public async Task InitializeAsync() =>
        _gateway = await PushgatewayProcess.StartSecuredAsync(_config.WebConfigFile, () => Client(Username, Password), "--persistence.file=");

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    public void Dispose() => _config.Dispose();

    [Fact]
    public async Task An_unauthenticated_or_wrong_push_is_rejected_with_401_while_the_apps_push_lands()
    {
        using var anonymous = Client(null, null);
        using var wrong = Client(Username, "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(anonymous, "intruder"));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(wrong, "intruder"));

        await using var app = await StartAppAsync(Password);
        Assert.Equal(HttpStatusCode.OK, (await app.InvokePaymentAsync()).Response.StatusCode);
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));

        using var reader = Client(Username, Password);
        var text = PrometheusText.Parse(await reader.GetStringAsync(new Uri(Gateway.Url, "/metrics")));
        Assert.True(text.HasGroup("payment-functions", "test-instance"));
        Assert.False(text.HasGroup("payment-functions", "intruder"));
        Assert.Equal(1, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
        Assert.Equal("https", app.Pusher.GroupUrl!.Scheme);

        // The janitor reads and deletes through the same credentials and TLS trust.
        Assert.Equal(0, await app.Services.GetRequiredService<PushGroupJanitor>().SweepAsync(CancellationToken.None));
        Assert.DoesNotContain(app.Logs!.GetSnapshot(), r => r.Message.StartsWith("Metric group janitor could not sweep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejected_push_counts_as_unauthorized_and_no_credential_appears_in_logs_or_answers()
    {
        const string wrongPassword = "wrong-pw-3b9d-do-not-log";
        await using var app = await StartAppAsync(wrongPassword);

        var (response, _) = await app.InvokePaymentAsync();
        Assert.False(await app.Pusher.PushNowAsync(CancellationToken.None));
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(wrongPassword, response.BodyText(), StringComparison.Ordinal);
        var text = await app.ScrapeRegistryAsync();
        Assert.True(text.Value("metric_push_failures_total", ("reason", "unauthorized")) >= 1);

        var logs = app.Logs!.GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains("are failing (unauthorized", StringComparison.Ordinal));
        foreach (var record in logs)
        {
            var everything = $"{record.Message} {record.Exception} {string.Join(",", record.StructuredState ?? [])}";
            Assert.DoesNotContain(wrongPassword, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{wrongPassword}")), everything, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(wrongPassword, app.Services.GetRequiredOptions().ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9091", "user", "secret-value-1", "MetricPush__Url must be an https:// URL when MetricPush__Username is set")]
    [InlineData("https://127.0.0.1:9091", "user", "", "MetricPush__Username and MetricPush__Password must be set together")]
    [InlineData("https://127.0.0.1:9091", "", "secret-value-1", "MetricPush__Username and MetricPush__Password must be set together")]
    public void Credentials_are_validated_at_start_up_naming_the_setting_and_never_echoed(string url, string user, string password, string expected)
    {
        var options = new PushOptions { Url = url, Job = "payment-functions", Username = user, Password = password };

        var result = new PushOptionsValidator(new PushSection("MetricPush"), new FunctionsEnvironment(_ => null)).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value-1", result.FailureMessage, StringComparison.Ordinal);
    }

    private Task<DeliveryApp> StartAppAsync(string password) => DeliveryApp.StartAsync(
        [("MetricPush:Url", Gateway.Url.ToString()), ("MetricPush:Username", Username), ("MetricPush:Password", password), ("MetricPush:MaxRetryAttempts", "0")],
        primaryHandler: _config.TrustingHandler);

    private HttpClient Client(string? user, string? password)
    {
        var client = new HttpClient(_config.TrustingHandler());
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        return client;
    }

    private async Task<HttpStatusCode> PutAsync(HttpClient client, string instance)
    {
        using var content = new StringContent("intruder_metric 1\n", Encoding.UTF8, "text/plain");
        using var response = await client.PutAsync(new Uri(Gateway.Url, $"/metrics/job/payment-functions/instance/{instance}"), content);
        return response.StatusCode;
    }
}

internal static class OptionsAccess
{
    public static PushOptions GetRequiredOptions(this IServiceProvider services) =>
        ((IOptions<PushOptions>)services.GetService(typeof(IOptions<PushOptions>))!).Value;
}
