using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>Checks the payment settings at start-up; every message names the app setting at fault.</summary>
internal sealed class PaymentOptionsValidator : IValidateOptions<PaymentOptions>
{
    private const string Prefix = PaymentOptions.SectionName + "__";

    public ValidateOptionsResult Validate(string? name, PaymentOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAmount <= 0)
        {
            failures.Add($"{Prefix}MaxAmount must be greater than 0.");
        }

        foreach (var (currency, rate) in options.UsdRates)
        {
            if (!IsLabelValue(currency) || rate <= 0)
            {
                failures.Add($"{Prefix}UsdRates__{currency} must name a currency code and a rate greater than 0.");
            }
        }

        if (options.UsdRates.Count == 0)
        {
            failures.Add($"{Prefix}UsdRates must list at least one currency.");
        }

        CheckList(failures, "AllowedUserTiers", options.UserTiers);
        CheckList(failures, "AllowedPaymentMethods", options.PaymentMethods);

        if (!IsLabelValue(options.Database))
        {
            failures.Add($"{Prefix}Database must be a non-empty name.");
        }

        if (!IsLabelValue(options.Pool))
        {
            failures.Add($"{Prefix}Pool must be a non-empty name.");
        }

        if (options.PoolMaxConnections <= 0 || options.PoolInitialConnections < 0 || options.PoolInitialConnections > options.PoolMaxConnections)
        {
            failures.Add($"{Prefix}PoolInitialConnections and {Prefix}PoolMaxConnections must satisfy 0 <= initial <= max and max > 0.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckList(List<string> failures, string setting, IReadOnlyList<string> values)
    {
        if (values.Count == 0 || !values.All(IsLabelValue))
        {
            failures.Add($"{Prefix}{setting} must be a comma-separated list of names (letters, digits, '_' and '-').");
        }
    }

    internal static bool IsLabelValue(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}

/// <summary>Checks the simulated gateway's settings at start-up.</summary>
internal sealed class SimulatedGatewayOptionsValidator : IValidateOptions<SimulatedGatewayOptions>
{
    private const string Prefix = SimulatedGatewayOptions.SectionName + "__";

    public ValidateOptionsResult Validate(string? name, SimulatedGatewayOptions options)
    {
        var failures = new List<string>();
        if (!PaymentOptionsValidator.IsLabelValue(options.Name))
        {
            failures.Add($"{Prefix}Name must be a non-empty name.");
        }

        NonNegative(failures, nameof(options.BaseLatencyMilliseconds), options.BaseLatencyMilliseconds);
        NonNegative(failures, nameof(options.JitterMilliseconds), options.JitterMilliseconds);
        NonNegative(failures, nameof(options.PremiumLatencyFactor), options.PremiumLatencyFactor);
        NonNegative(failures, nameof(options.HighValueLatencyFactor), options.HighValueLatencyFactor);
        NonNegative(failures, nameof(options.LatencyScale), options.LatencyScale);
        Probability(failures, nameof(options.FailureRate), options.FailureRate);
        Probability(failures, nameof(options.PremiumFailureRate), options.PremiumFailureRate);
        Probability(failures, nameof(options.TimeoutShare), options.TimeoutShare);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void NonNegative(List<string> failures, string setting, double value)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            failures.Add($"{Prefix}{setting} must be a finite number >= 0.");
        }
    }

    private static void Probability(List<string> failures, string setting, double value)
    {
        if (!(value is >= 0 and <= 1))
        {
            failures.Add($"{Prefix}{setting} must be a probability between 0 and 1.");
        }
    }
}
