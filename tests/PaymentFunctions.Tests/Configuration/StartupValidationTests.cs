using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Tests.Configuration;

/// <summary>Settings are checked when the host starts, and every message names the app setting at fault.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("MetricPush:Url", "not a url", "MetricPush__Url")]
    [InlineData("MetricPush:Url", "ftp://gateway:9091", "MetricPush__Url")]
    [InlineData("MetricPush:Url", "http://user:secret@gateway:9091", "MetricPush__Url")]
    [InlineData("MetricPush:IntervalSeconds", "0", "MetricPush__IntervalSeconds")]
    [InlineData("MetricPush:Job", "a/b", "MetricPush__Job")]
    [InlineData("Payments:MaxAmount", "-1", "Payments__MaxAmount")]
    [InlineData("Payments:AllowedUserTiers", " , ", "Payments__AllowedUserTiers")]
    [InlineData("Payments:UsdRates:EUR", "0", "Payments__UsdRates__EUR")]
    [InlineData("SimulatedGateway:FailureRate", "1.5", "SimulatedGateway__FailureRate")]
    public async Task A_bad_setting_fails_start_up_with_a_message_naming_it(string key, string value, string setting)
    {
        using var host = BuildHost(new() { [key] = value }, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MetricPush:Format", "xml", "MetricPush__Format must be one of: protobuf, text.")]
    [InlineData("MetricPush:IntervalSeconds", "soon", "MetricPush__IntervalSeconds must be a number.")]
    [InlineData("MetricPush:MaxRetryAttempts", "2.5", "MetricPush__MaxRetryAttempts must be a whole number.")]
    [InlineData("MetricPush:Gzip", "yes", "MetricPush__Gzip must be true or false.")]
    [InlineData("MetricPush:GroupTtlMinutes", "15m", "MetricPush__GroupTtlMinutes must be a number.")]
    public async Task A_push_setting_the_binder_cannot_convert_fails_start_up_naming_the_app_setting(string key, string value, string message)
    {
        using var host = BuildHost(new() { ["MetricPush:Url"] = "http://127.0.0.1:9091", [key] = value }, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Without_a_pushgateway_url_the_app_runs_and_says_once_that_metrics_are_not_pushed()
    {
        using var host = BuildHost([], out var logs);

        await host.StartAsync();
        await host.StopAsync();

        var notices = logs.GetSnapshot().Where(r => r.Message.Contains("not pushed", StringComparison.Ordinal)).ToList();
        var notice = Assert.Single(notices);
        Assert.Equal(LogLevel.Warning, notice.Level);
        Assert.Equal("Metrics are not pushed: the app setting MetricPush__Url is empty", notice.Message);
    }

    [Fact]
    public async Task The_sample_settings_file_starts_the_app()
    {
        var sample = Path.Combine(RepoPaths.Root, "local.settings.sample.json");
        var values = new ConfigurationBuilder().AddJsonFile(sample).Build().GetSection("Values").GetChildren()
            .ToDictionary(c => c.Key.Replace("__", ":", StringComparison.Ordinal), c => c.Value);
        values["MetricPush:Url"] = string.Empty; // No gateway in this test.

        using var host = BuildHost(values, out _);
        await host.StartAsync();
        await host.StopAsync();
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, out FakeLogCollector logs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFakeLogging();
        builder.Services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        builder.Services.AddPaymentFunctions(builder.Configuration);
        var host = builder.Build();
        logs = host.Services.GetFakeLogCollector();
        return host;
    }
}
