using System.Globalization;
using PaymentFunctions.Fleet;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Alerting.Tests;

/// <summary>
/// Fleets for the alerting tests: app instances (each its own host, registry and pusher, <see cref="FleetRunner"/>)
/// pushing as shipped, paying at a steady pace with amounts at or below 1000 USD (so no failure is a high-severity error).
/// </summary>
internal static class SteadyFleet
{
    private static readonly decimal[] Amounts = [50m, 150m, 25m, 500m];

    /// <summary>The app's shipped push settings (every 5 s idle, at most once a second, 3 s timeout) and the given failure rate.</summary>
    public static FleetSettings Settings(Uri pushgateway, double failureRate) => new()
    {
        Pushgateways = [pushgateway],
        PushIntervalSeconds = 5,
        PushMinIntervalSeconds = 1,
        PushTimeoutSeconds = 3,
        FailureRate = failureRate,
        PremiumFailureRate = failureRate,
        LatencyScale = 0.02,
    };

    /// <summary>
    /// A fleet scaling in and out: eight instances of 3 minutes, one starting every 75 s, each stopping gracefully (a
    /// final push): two or three alive at any time, the first stopping at 3 min.
    /// </summary>
    public static FleetPlan Scaling(string prefix, int seed) =>
        Of(prefix, Enumerable.Range(0, 8).Select(i => (TimeSpan.FromSeconds(75) * i, TimeSpan.FromMinutes(3))), seed);

    /// <summary>
    /// How long a <see cref="Scaling"/> fleet is watched: 11 minutes, 8 after the first stop, longer than MetricPushStale
    /// needs (5 minutes and for: 1m) to fire for an instance that stopped without its final push.
    /// </summary>
    public static readonly TimeSpan ScalingWatchedFor = TimeSpan.FromMinutes(11);

    /// <summary>Instances with the given starts and lifetimes, each paying once a second.</summary>
    public static FleetPlan Of(string prefix, IEnumerable<(TimeSpan Start, TimeSpan Lifetime)> instances, int seed)
    {
        var random = new Random(seed);
        var options = new FleetPlanOptions { Seed = seed, ScrapeInterval = AlertingStack.ShippedInterval, InstancePrefix = prefix, PaymentsPerSecond = 1 };
        var planned = instances.Select((instance, index) =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{index:D2}");
            var payments = Enumerable.Range(0, (int)instance.Lifetime.TotalSeconds).Select(k => new PlannedPayment(
                TimeSpan.FromSeconds(k),
                new PaymentRequest(
                    string.Create(CultureInfo.InvariantCulture, $"{id}-order-{k}"),
                    string.Create(CultureInfo.InvariantCulture, $"user_{random.Next(100, 1000)}"),
                    Amounts[random.Next(Amounts.Length)],
                    "USD",
                    FleetPlan.Tiers[random.Next(FleetPlan.Tiers.Length)],
                    FleetPlan.Methods[random.Next(FleetPlan.Methods.Length)]))).ToList();
            return new PlannedInstance(id, instance.Start, instance.Lifetime, FleetPlan.Classify(instance.Lifetime, options.ScrapeInterval), (seed * 1000) + index, payments);
        });
        return FleetPlan.Of(options, planned);
    }

    /// <summary>Stops a fleet still running at the end of a test (its hosts are disposed without a final push).</summary>
    public static async Task StopAsync(Task fleet, CancellationTokenSource stop)
    {
        await stop.CancelAsync();
        try
        {
            await fleet;
        }
        catch (OperationCanceledException)
        {
            // Expected: the instances were still paying.
        }
    }
}
