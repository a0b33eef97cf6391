namespace PaymentFunctions.Payments;

/// <summary>
/// What the payment endpoint accepts. Bound from the configuration section <c>Payments</c>.
/// The allow-lists are what keeps the label values of the payment metrics bounded.
/// </summary>
public sealed class PaymentOptions
{
    public const string SectionName = "Payments";

    /// <summary>Largest amount accepted, in the payment's currency.</summary>
    public decimal MaxAmount { get; set; } = 100_000m;

    /// <summary>
    /// Accepted currencies and their rate to US dollars (<c>Payments__UsdRates__EUR=1.08</c>): the amount histogram is in USD,
    /// so a currency is accepted only where its rate is known.
    /// </summary>
    public Dictionary<string, decimal> UsdRates { get; set; } = new(StringComparer.Ordinal) { ["USD"] = 1m };

    /// <summary>Accepted user tiers, comma-separated.</summary>
    public string AllowedUserTiers { get; set; } = "standard,premium,basic";

    /// <summary>Accepted payment methods, comma-separated.</summary>
    public string AllowedPaymentMethods { get; set; } = "credit_card,debit_card,paypal,apple_pay";

    /// <summary>The <c>database</c> label of the connection-pool gauges.</summary>
    public string Database { get; set; } = "payment_db";

    /// <summary>The <c>pool</c> label of the connection-pool gauges.</summary>
    public string Pool { get; set; } = "main_pool";

    /// <summary>Active connections of the simulated pool at start.</summary>
    public int PoolInitialConnections { get; set; } = 15;

    /// <summary>Size of the simulated pool.</summary>
    public int PoolMaxConnections { get; set; } = 20;

    /// <summary>The tiers, parsed once: the parser hands out these very instances as label values.</summary>
    internal IReadOnlyList<string> UserTiers => _userTiers ??= Split(AllowedUserTiers);

    /// <summary>The methods, parsed once: the parser hands out these very instances as label values.</summary>
    internal IReadOnlyList<string> PaymentMethods => _paymentMethods ??= Split(AllowedPaymentMethods);

    /// <summary>The currencies (the keys of <see cref="UsdRates"/>), listed once.</summary>
    internal IReadOnlyList<string> Currencies => _currencies ??= [.. UsdRates.Keys];

    private string[]? _userTiers;
    private string[]? _paymentMethods;
    private string[]? _currencies;

    internal decimal ToUsd(decimal amount, string currency) => amount * UsdRates[currency];

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
}
