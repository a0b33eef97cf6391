using System.Text.Json;
using PaymentFunctions.Metrics;

namespace PaymentFunctions.Tests.Delivery;

public sealed class DeliverySettingsTests
{
    [Theory]
    [InlineData(nameof(MetricPushOptions.MinIntervalSeconds), "-1")]
    [InlineData(nameof(MetricPushOptions.MaxRetryAttempts), "11")]
    [InlineData(nameof(MetricPushOptions.RetryDelaySeconds), "0")]
    [InlineData(nameof(MetricPushOptions.ShutdownPushSeconds), "5")]
    [InlineData(nameof(MetricPushOptions.GroupTtlMinutes), "0")]
    [InlineData(nameof(MetricPushOptions.FirstValuesDelaySeconds), "-1")]
    public void An_invalid_delivery_setting_fails_start_up_naming_the_app_setting(string setting, string value)
    {
        var options = new MetricPushOptions { Url = "http://127.0.0.1:9091" };
        var property = typeof(MetricPushOptions).GetProperty(setting)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var result = new MetricPushOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith($"MetricPush__{setting} must", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void The_minimum_interval_is_capped_at_the_interval_and_the_ttl_raised_to_three_intervals()
    {
        var options = new MetricPushOptions { IntervalSeconds = 600, MinIntervalSeconds = 900, GroupTtlMinutes = 15 };

        Assert.Equal(TimeSpan.FromSeconds(600), options.EffectiveMinInterval);
        Assert.Equal(TimeSpan.FromMinutes(30), options.EffectiveGroupTtl);
        Assert.True(new MetricPushOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_sample_settings_carry_every_delivery_setting_with_safe_local_defaults_that_validate()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "local.settings.sample.json")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        Assert.Equal("0 */5 * * * *", values.GetProperty("MetricJanitorSchedule").GetString());
        Assert.Equal(string.Empty, values.GetProperty("MetricPush__Password").GetString());

        var options = new MetricPushOptions();
        foreach (var property in typeof(MetricPushOptions).GetProperties().Where(p => p.CanWrite))
        {
            var text = values.GetProperty($"MetricPush__{property.Name}").GetString()!;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(options, type == typeof(string) ? text : Convert.ChangeType(text, type, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.True(new MetricPushOptionsValidator().Validate(null, options).Succeeded);
    }
}
