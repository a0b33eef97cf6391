using System.Globalization;
using PaymentFunctions.Fleet;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// The fleet every fault runs against, on one timeline (seconds from the fleet's start): four instances live through
/// the run, six stop gracefully before the fault (their finished groups are in the gateway when it strikes), three start
/// after it. Each pays twice a second, amounts at or below 1000 USD, 1 % failing: no business alert has a reason to fire.
/// </summary>
internal static class FaultFleet
{
    /// <summary>When the fault strikes.</summary>
    public static readonly TimeSpan FaultAt = TimeSpan.FromSeconds(60);

    /// <summary>When the last instance stops.</summary>
    public static readonly TimeSpan Ends = TimeSpan.FromSeconds(180);

    private static readonly decimal[] Amounts = [50m, 150m, 25m, 500m];

    public static FleetPlan Plan(string prefix, TimeSpan? killLongLivedAfter = null)
    {
        var random = new Random(29);
        List<(TimeSpan Start, TimeSpan Lifetime, TimeSpan? Killed)> shapes =
        [
            .. Enumerable.Range(0, 4).Select(i => (TimeSpan.FromSeconds(i), Ends - TimeSpan.FromSeconds(i), i == 0 ? killLongLivedAfter : null)),
            .. Enumerable.Range(0, 6).Select(i => (TimeSpan.FromSeconds(5 + (8 * i)), TimeSpan.FromSeconds(12), (TimeSpan?)null)),
            .. Enumerable.Range(0, 3).Select(i => (TimeSpan.FromSeconds(75 + (25 * i)), TimeSpan.FromSeconds(40), (TimeSpan?)null)),
        ];
        var options = new FleetPlanOptions { Seed = 29, ScrapeInterval = TimeSpan.FromSeconds(1), InstancePrefix = prefix, PaymentsPerSecond = 2 };
        var instances = shapes.Select((shape, index) =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{index:D2}");
            var payments = Enumerable.Range(0, (int)(shape.Lifetime.TotalSeconds * 2)).Select(k => new PlannedPayment(
                TimeSpan.FromSeconds(k / 2.0),
                new PaymentRequest(
                    string.Create(CultureInfo.InvariantCulture, $"{id}-order-{k}"),
                    string.Create(CultureInfo.InvariantCulture, $"user_{random.Next(100, 1000)}"),
                    Amounts[random.Next(Amounts.Length)],
                    "USD",
                    FleetPlan.Tiers[random.Next(FleetPlan.Tiers.Length)],
                    FleetPlan.Methods[random.Next(FleetPlan.Methods.Length)]))).ToList();
            return new PlannedInstance(id, shape.Start, shape.Lifetime, LifetimeClass.TwoIntervalsOrMore, 29_000 + index, payments) { KilledAfter = shape.Killed };
        });
        return FleetPlan.Of(options, instances);
    }

    /// <summary>The app's shipped push settings (every 5 s idle, at most once a second, 3 s timeout) toward <paramref name="pushgateways"/>.</summary>
    public static FleetSettings Settings(params Uri[] pushgateways) => new()
    {
        Pushgateways = pushgateways,
        PushIntervalSeconds = 5,
        PushMinIntervalSeconds = 1,
        PushTimeoutSeconds = 3,
        FailureRate = 0.01,
        PremiumFailureRate = 0.01,
        LatencyScale = 0.02,
    };
}
