using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Tests.Configuration;

/// <summary>
/// The payment and simulated-gateway settings at their edges: the last valid value passes, the first invalid one fails
/// with exactly one message, the whole message, naming the app setting. Values are bound from configuration as the app binds them.
/// </summary>
public sealed class PaymentSettingsValidationTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new PaymentOptionsValidator().Validate(null, new PaymentOptions()).Succeeded);
        Assert.True(new SimulatedGatewayOptionsValidator().Validate(null, new SimulatedGatewayOptions()).Succeeded);
    }

    [Theory]
    [InlineData("MaxAmount", "0.01")]
    [InlineData("UsdRates:EUR", "0.0001")]
    [InlineData("UsdRates:A-b_9", "1")]
    [InlineData("AllowedUserTiers", "gold")]
    [InlineData("AllowedPaymentMethods", "a, b ,c")]
    [InlineData("Database", "db-1_X")]
    [InlineData("Pool", "p")]
    [InlineData("PoolInitialConnections", "0")]
    [InlineData("PoolInitialConnections", "20")] // equal to the maximum
    public void A_payment_setting_at_its_edge_is_valid(string key, string value) =>
        Assert.True(ValidatePayments((key, value)).Succeeded);

    [Fact]
    public void A_name_of_64_characters_is_valid_and_one_of_65_is_not()
    {
        Assert.True(ValidatePayments(("Database", new string('d', 64))).Succeeded);
        Assert.Equal(["Payments__Database must be a non-empty name."], ValidatePayments(("Database", new string('d', 65))).Failures);
    }

    [Theory]
    [InlineData("MaxAmount", "0", "Payments__MaxAmount must be greater than 0.")]
    [InlineData("MaxAmount", "-0.01", "Payments__MaxAmount must be greater than 0.")]
    [InlineData("UsdRates:EUR", "0", "Payments__UsdRates__EUR must name a currency code and a rate greater than 0.")]
    [InlineData("UsdRates:EUR", "-1", "Payments__UsdRates__EUR must name a currency code and a rate greater than 0.")]
    [InlineData("UsdRates:E.R", "1", "Payments__UsdRates__E.R must name a currency code and a rate greater than 0.")]
    [InlineData("AllowedUserTiers", "", "Payments__AllowedUserTiers must be a comma-separated list of names (letters, digits, '_' and '-').")]
    [InlineData("AllowedUserTiers", "gold,pla tinum", "Payments__AllowedUserTiers must be a comma-separated list of names (letters, digits, '_' and '-').")]
    [InlineData("AllowedPaymentMethods", " , ", "Payments__AllowedPaymentMethods must be a comma-separated list of names (letters, digits, '_' and '-').")]
    [InlineData("AllowedPaymentMethods", "card,pay/pal", "Payments__AllowedPaymentMethods must be a comma-separated list of names (letters, digits, '_' and '-').")]
    [InlineData("Database", "", "Payments__Database must be a non-empty name.")]
    [InlineData("Database", "payment db", "Payments__Database must be a non-empty name.")]
    [InlineData("Pool", "", "Payments__Pool must be a non-empty name.")]
    [InlineData("Pool", "main.pool", "Payments__Pool must be a non-empty name.")]
    [InlineData("PoolMaxConnections", "0", "Payments__PoolInitialConnections and Payments__PoolMaxConnections must satisfy 0 <= initial <= max and max > 0.")]
    [InlineData("PoolInitialConnections", "-1", "Payments__PoolInitialConnections and Payments__PoolMaxConnections must satisfy 0 <= initial <= max and max > 0.")]
    [InlineData("PoolInitialConnections", "21", "Payments__PoolInitialConnections and Payments__PoolMaxConnections must satisfy 0 <= initial <= max and max > 0.")]
    public void A_bad_payment_setting_fails_with_one_message_naming_it(string key, string value, string message) =>
        Assert.Equal([message], ValidatePayments((key, value)).Failures);

    [Fact]
    public void A_pool_of_no_connections_fails_even_with_none_at_rest() =>
        Assert.Equal(
            ["Payments__PoolInitialConnections and Payments__PoolMaxConnections must satisfy 0 <= initial <= max and max > 0."],
            ValidatePayments(("PoolMaxConnections", "0"), ("PoolInitialConnections", "0")).Failures);

    [Fact]
    public void A_pool_of_one_connection_with_none_at_rest_is_valid() =>
        Assert.True(ValidatePayments(("PoolMaxConnections", "1"), ("PoolInitialConnections", "0")).Succeeded);

    [Fact]
    public void Without_any_currency_the_settings_fail()
    {
        var result = new PaymentOptionsValidator().Validate(null, new PaymentOptions { UsdRates = [] });

        Assert.Equal(["Payments__UsdRates must list at least one currency."], result.Failures);
    }

    [Fact]
    public void Every_bad_payment_setting_is_named_at_once()
    {
        var result = ValidatePayments(("MaxAmount", "0"), ("Database", ""), ("Pool", ""), ("AllowedUserTiers", ""));

        Assert.Equal(
            [
                "Payments__MaxAmount must be greater than 0.",
                "Payments__AllowedUserTiers must be a comma-separated list of names (letters, digits, '_' and '-').",
                "Payments__Database must be a non-empty name.",
                "Payments__Pool must be a non-empty name.",
            ],
            result.Failures);
    }

    [Theory]
    [InlineData("Name", "adyen-2_x")]
    [InlineData("BaseLatencyMilliseconds", "0")]
    [InlineData("JitterMilliseconds", "0")]
    [InlineData("PremiumLatencyFactor", "0")]
    [InlineData("HighValueLatencyFactor", "0")]
    [InlineData("LatencyScale", "0")]
    [InlineData("FailureRate", "0")]
    [InlineData("FailureRate", "1")]
    [InlineData("PremiumFailureRate", "0")]
    [InlineData("PremiumFailureRate", "1")]
    [InlineData("TimeoutShare", "0")]
    [InlineData("TimeoutShare", "1")]
    public void A_gateway_setting_at_its_edge_is_valid(string key, string value) =>
        Assert.True(ValidateGateway((key, value)).Succeeded);

    [Theory]
    [InlineData("Name", "", "SimulatedGateway__Name must be a non-empty name.")]
    [InlineData("Name", "str ipe", "SimulatedGateway__Name must be a non-empty name.")]
    [InlineData("BaseLatencyMilliseconds", "-0.01", "SimulatedGateway__BaseLatencyMilliseconds must be a finite number >= 0.")]
    [InlineData("BaseLatencyMilliseconds", "NaN", "SimulatedGateway__BaseLatencyMilliseconds must be a finite number >= 0.")]
    [InlineData("BaseLatencyMilliseconds", "Infinity", "SimulatedGateway__BaseLatencyMilliseconds must be a finite number >= 0.")]
    [InlineData("JitterMilliseconds", "-1", "SimulatedGateway__JitterMilliseconds must be a finite number >= 0.")]
    [InlineData("PremiumLatencyFactor", "-1", "SimulatedGateway__PremiumLatencyFactor must be a finite number >= 0.")]
    [InlineData("HighValueLatencyFactor", "-1", "SimulatedGateway__HighValueLatencyFactor must be a finite number >= 0.")]
    [InlineData("LatencyScale", "-1", "SimulatedGateway__LatencyScale must be a finite number >= 0.")]
    [InlineData("FailureRate", "-0.01", "SimulatedGateway__FailureRate must be a probability between 0 and 1.")]
    [InlineData("FailureRate", "1.01", "SimulatedGateway__FailureRate must be a probability between 0 and 1.")]
    [InlineData("FailureRate", "NaN", "SimulatedGateway__FailureRate must be a probability between 0 and 1.")]
    [InlineData("PremiumFailureRate", "1.01", "SimulatedGateway__PremiumFailureRate must be a probability between 0 and 1.")]
    [InlineData("TimeoutShare", "-0.01", "SimulatedGateway__TimeoutShare must be a probability between 0 and 1.")]
    public void A_bad_gateway_setting_fails_with_one_message_naming_it(string key, string value, string message) =>
        Assert.Equal([message], ValidateGateway((key, value)).Failures);

    private static ValidateOptionsResult ValidatePayments(params (string Key, string? Value)[] settings) =>
        new PaymentOptionsValidator().Validate(null, Bind(new PaymentOptions(), settings));

    private static ValidateOptionsResult ValidateGateway(params (string Key, string? Value)[] settings) =>
        new SimulatedGatewayOptionsValidator().Validate(null, Bind(new SimulatedGatewayOptions(), settings));

    internal static T Bind<T>(T options, (string Key, string? Value)[] settings)
    {
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build()
            .Bind(options);
        return options;
    }
}
