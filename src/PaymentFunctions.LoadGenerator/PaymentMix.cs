using System.Globalization;

namespace PaymentFunctions.LoadGenerator;

/// <summary>One request body of <c>POST /api/payments</c>.</summary>
internal sealed record PaymentBody(string OrderId, string UserId, decimal Amount, string Currency, string UserTier, string PaymentMethod);

/// <summary>
/// Draws payments from a <see cref="Scenario"/>. Not thread-safe: the caller serialises <see cref="Next"/>, so with a
/// fixed seed the n-th payment of a run is always the same.
/// </summary>
internal sealed class PaymentMix
{
    private readonly Scenario _scenario;
    private readonly Random _random;
    private readonly string _runTag;

    public PaymentMix(Scenario scenario, int? seed)
    {
        _scenario = scenario;
#pragma warning disable CA5394 // Load mix, not security: a seedable generator is the point.
        _random = seed is { } s ? new Random(s) : new Random();
        _runTag = _random.Next(0, 0x1000000).ToString("x6", CultureInfo.InvariantCulture);
#pragma warning restore CA5394
    }

    /// <summary>The payment with sequence number <paramref name="sequence"/> (1-based).</summary>
    public PaymentBody Next(long sequence)
    {
#pragma warning disable CA5394
        var tier = Pick(_scenario.Tiers);
        var method = Pick(_scenario.Methods);
        var currency = Pick(_scenario.Currencies);
        var range = Pick(_scenario.Amounts.Select(a => new KeyValuePair<AmountRange, double>(a, a.Weight)).ToList());
        var amount = Math.Round(range.Min + ((range.Max - range.Min) * (decimal)_random.NextDouble()), 2, MidpointRounding.AwayFromZero);
        var user = _random.Next(100, 1000);
#pragma warning restore CA5394
        amount = Math.Clamp(amount, range.Min, range.Max);
        return new PaymentBody(
            string.Create(CultureInfo.InvariantCulture, $"load_{_runTag}_{sequence:D6}"),
            string.Create(CultureInfo.InvariantCulture, $"user_{user}"),
            amount,
            currency,
            tier,
            method);
    }

    private T Pick<T>(IReadOnlyList<KeyValuePair<T, double>> weights)
    {
        var total = weights.Sum(w => w.Value);
#pragma warning disable CA5394
        var point = _random.NextDouble() * total;
#pragma warning restore CA5394
        foreach (var (value, weight) in weights)
        {
            if (weight <= 0)
            {
                continue;
            }

            if (point < weight)
            {
                return value;
            }

            point -= weight;
        }

        return weights.Last(w => w.Value > 0).Key;
    }
}
