namespace PaymentFunctions.LoadGenerator.Tests;

public sealed class ScenarioTests
{
    [Fact]
    public void The_default_mix_follows_the_seed_demo_payments()
    {
        var scenario = Scenario.Default;

        Assert.Empty(scenario.Validate());
        Assert.Equal(["standard", "premium", "basic"], scenario.Tiers.Select(t => t.Key));
        Assert.Equal(["credit_card", "paypal", "debit_card", "apple_pay"], scenario.Methods.Select(m => m.Key));
        Assert.Equal(["USD"], scenario.Currencies.Select(c => c.Key));
        // One payment in five is above 1000 (the seed's order_3 of 1200), the high-severity side.
        Assert.Equal(0.2, scenario.Amounts.Where(a => a.Min > 1000).Sum(a => a.Weight) / scenario.Amounts.Sum(a => a.Weight), 9);
    }

    [Fact]
    public void The_shipped_seed_mix_file_is_the_default()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "scenarios", "seed-mix.json");

        var scenario = Scenario.Load(path);

        Assert.Equal(Scenario.Default.Tiers, scenario.Tiers);
        Assert.Equal(Scenario.Default.Methods, scenario.Methods);
        Assert.Equal(Scenario.Default.Currencies, scenario.Currencies);
        Assert.Equal(Scenario.Default.Amounts, scenario.Amounts);
    }

    [Fact]
    public void A_seeded_mix_repeats_and_honours_the_weights_roughly()
    {
        var first = new PaymentMix(Scenario.Default, 3);
        var second = new PaymentMix(Scenario.Default, 3);

        var payments = Enumerable.Range(1, 2000).Select(n => first.Next(n)).ToArray();

        Assert.Equal(payments, Enumerable.Range(1, 2000).Select(n => second.Next(n)));
        Assert.All(payments, p => Assert.InRange(p.Amount, 10m, 5000m));
        Assert.All(payments, p => Assert.Equal(decimal.Round(p.Amount, 2), p.Amount));
        Assert.InRange(payments.Count(p => p.UserTier == "basic"), 300, 500);
        Assert.InRange(payments.Count(p => p.PaymentMethod == "credit_card"), 700, 900);
        Assert.InRange(payments.Count(p => p.Amount > 1000), 300, 500);
    }

    [Fact]
    public void Missing_sections_fall_back_to_the_default()
    {
        var scenario = Scenario.Parse("""{ "currencies": { "EUR": 3, "USD": 1 } }""");

        Assert.Equal([new("EUR", 3), new("USD", 1)], scenario.Currencies);
        Assert.Equal(Scenario.Default.Tiers, scenario.Tiers);
    }

    [Theory]
    [InlineData("not json", "invalid JSON")]
    [InlineData("""{ "tiers": {} }""", "tiers needs at least one entry")]
    [InlineData("""{ "methods": { "paypal": -1, "apple_pay": 1 } }""", "methods.paypal needs a finite weight")]
    [InlineData("""{ "amounts": [ { "min": 0, "max": 10, "weight": 1 } ] }""", "amounts[0] needs 0 < min <= max")]
    [InlineData("""{ "amounts": [ { "min": 20, "max": 10, "weight": 1 } ] }""", "amounts[0] needs 0 < min <= max")]
    [InlineData("""{ "amounts": [ { "min": 1, "max": 10, "weight": 0 } ] }""", "amounts needs at least one range")]
    [InlineData("""{ "tier": { "premium": 1 } }""", "invalid JSON")]
    public void An_unusable_scenario_is_refused_with_the_reason(string json, string reason)
    {
        var error = Assert.Throws<ScenarioException>(() => Scenario.Parse(json));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
