using System.Globalization;
using System.Text.Json;

namespace PaymentFunctions.Tests.Delivery;

public sealed class DeliverySettingsTests
{
    private static readonly PushSection Section = new("MetricPush");
    private static readonly FunctionsEnvironment NoAzure = new(_ => null);

    [Theory]
    [InlineData(nameof(PushOptions.MinIntervalSeconds), "-1")]
    [InlineData(nameof(PushOptions.MaxRetryAttempts), "11")]
    [InlineData(nameof(PushOptions.RetryDelaySeconds), "0")]
    [InlineData(nameof(PushOptions.ShutdownPushSeconds), "5")]
    [InlineData(nameof(PushOptions.FirstValuesDelaySeconds), "-1")]
    public void An_invalid_delivery_setting_fails_start_up_naming_the_app_setting(string setting, string value)
    {
        var options = new PushOptions { Url = "http://127.0.0.1:9091", Job = "payment-functions" };
        var property = typeof(PushOptions).GetProperty(setting)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));

        var result = new PushOptionsValidator(Section, NoAzure).Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith($"MetricPush__{setting} must", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(GroupJanitorOptions.GroupTtlMinutes), "0")]
    [InlineData(nameof(GroupJanitorOptions.FinishedGroupRetentionSeconds), "-1")]
    [InlineData(nameof(GroupJanitorOptions.FailedGroupRetentionSeconds), "604801")]
    public void An_invalid_janitor_setting_fails_start_up_naming_the_app_setting_of_the_bound_section(string setting, string value)
    {
        var options = new GroupJanitorOptions();
        var property = typeof(GroupJanitorOptions).GetProperty(setting)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));

        var result = new GroupJanitorOptionsValidator(new PushSection("Observability:Push")).Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith($"Observability__Push__{setting} must", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void The_minimum_interval_is_capped_at_the_interval_and_the_ttl_raised_to_three_intervals()
    {
        var options = new PushOptions { IntervalSeconds = 600, MinIntervalSeconds = 900 };
        var janitor = new GroupJanitorOptions { GroupTtlMinutes = 15 };

        Assert.Equal(TimeSpan.FromSeconds(600), options.EffectiveMinInterval());
        Assert.Equal(TimeSpan.FromMinutes(30), janitor.EffectiveGroupTtl(options));
        Assert.True(new PushOptionsValidator(Section, NoAzure).Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_sample_settings_carry_every_delivery_and_janitor_setting_with_safe_local_defaults_that_validate()
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

        var options = Bind<PushOptions>(values);
        var janitor = Bind<GroupJanitorOptions>(values);

        Assert.True(new PushOptionsValidator(Section, NoAzure).Validate(null, options).Succeeded);
        Assert.True(new GroupJanitorOptionsValidator(Section).Validate(null, janitor).Succeeded);
    }

    private static T Bind<T>(JsonElement values)
        where T : new()
    {
        var options = new T();
        foreach (var property in typeof(T).GetProperties().Where(p => p.CanWrite))
        {
            var text = values.GetProperty($"MetricPush__{property.Name}").GetString()!;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(options, type == typeof(string) ? text
                : type.IsEnum ? Enum.Parse(type, text, ignoreCase: true)
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture));
        }

        return options;
    }
}
