namespace PaymentFunctions.Payments;

/// <summary>
/// The seed's simulated gateway, every parameter a setting (section <c>SimulatedGateway</c>):
/// latency = base (x premium factor, else x high-value factor above the threshold) + uniform jitter, all x scale;
/// failure with the (premium) failure rate, of which a share are timeouts and the rest invalid payment methods.
/// </summary>
public sealed class SimulatedGatewayOptions
{
    public const string SectionName = "SimulatedGateway";

    /// <summary>The <c>gateway</c> label value.</summary>
    public string Name { get; set; } = "stripe";

    public double BaseLatencyMilliseconds { get; set; } = 100;

    public double JitterMilliseconds { get; set; } = 300;

    public double PremiumLatencyFactor { get; set; } = 0.8;

    public double HighValueLatencyFactor { get; set; } = 1.5;

    public decimal HighValueThreshold { get; set; } = 1000m;

    /// <summary>Multiplies every latency: 1 behaves like the seed, 0 answers at once.</summary>
    public double LatencyScale { get; set; } = 1;

    public double FailureRate { get; set; } = 0.10;

    public double PremiumFailureRate { get; set; } = 0.05;

    /// <summary>Share of failures that are gateway timeouts; the rest are invalid payment methods.</summary>
    public double TimeoutShare { get; set; } = 0.30;

    /// <summary>Seed of the random source; empty for a random seed.</summary>
    public int? Seed { get; set; }
}
