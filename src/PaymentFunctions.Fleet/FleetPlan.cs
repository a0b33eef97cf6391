using System.Globalization;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Fleet;

/// <summary>How long an instance lived, in scrape intervals: the classes in which Prometheus' view of it differs.</summary>
public enum LifetimeClass
{
    /// <summary>Less than one scrape interval: Prometheus may never scrape its zero push.</summary>
    BelowOneInterval,

    /// <summary>One to two scrape intervals.</summary>
    OneToTwoIntervals,

    /// <summary>Two scrape intervals or more.</summary>
    TwoIntervalsOrMore,
}

/// <summary>What the seeded plan of a fleet is built from.</summary>
public sealed class FleetPlanOptions
{
    public int Seed { get; set; } = 9;

    public int Instances { get; set; } = 24;

    /// <summary>Prometheus' scrape interval: lifetimes are planned in multiples of it.</summary>
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(1);

    public double MinLifetimeIntervals { get; set; } = 0.5;

    public double MaxLifetimeIntervals { get; set; } = 10;

    /// <summary>Start offsets are spread over this many scrape intervals, so lifetimes overlap.</summary>
    public double StartSpreadIntervals { get; set; } = 8;

    /// <summary>Payments each instance makes per second, at a steady pace from its start.</summary>
    public double PaymentsPerSecond { get; set; } = 10;

    /// <summary>Prefix of the instance ids (the <c>instance</c> label of each group).</summary>
    public string InstancePrefix { get; set; } = "fleet";
}

/// <summary>One planned instance: its id, when it starts, how long it lives, and the payments it makes.</summary>
public sealed record PlannedInstance(
    string Id,
    TimeSpan StartOffset,
    TimeSpan Lifetime,
    LifetimeClass Class,
    int GatewaySeed,
    IReadOnlyList<PlannedPayment> Payments)
{
    /// <summary>
    /// Killed after this long instead of stopping (SIGKILL, out of memory): from then on nothing it pushes leaves the
    /// process, the final push included, and it makes no more payments. Null: it stops gracefully after its lifetime.
    /// </summary>
    public TimeSpan? KilledAfter { get; init; }
}

/// <summary>One payment at an offset from its instance's start.</summary>
public sealed record PlannedPayment(TimeSpan Offset, PaymentRequest Request);

/// <summary>
/// A deterministic fleet from a seed: lifetimes from <see cref="FleetPlanOptions.MinLifetimeIntervals"/> to
/// <see cref="FleetPlanOptions.MaxLifetimeIntervals"/> scrape intervals (a quarter below one interval, a quarter between
/// one and two, the rest two or more, each class's range covered in equal slices), overlapping start offsets, and payments at a steady pace with tier, method and
/// amount drawn from the seed tutorial's lists (1200 USD is above the 1000 USD high-value and high-severity line).
/// </summary>
public sealed class FleetPlan
{
    public static readonly string[] Tiers = ["standard", "premium", "basic"];
    public static readonly string[] Methods = ["credit_card", "paypal", "debit_card", "apple_pay"];
    public static readonly decimal[] Amounts = [50m, 150m, 1200m, 25m, 500m];

    private FleetPlan(FleetPlanOptions options, IReadOnlyList<PlannedInstance> instances)
    {
        Options = options;
        Instances = instances;
    }

    public FleetPlanOptions Options { get; }

    public IReadOnlyList<PlannedInstance> Instances { get; }

    /// <summary>From the first start to the last planned stop.</summary>
    public TimeSpan Duration => Instances.Max(i => i.StartOffset + i.Lifetime);

    public static LifetimeClass Classify(TimeSpan lifetime, TimeSpan scrapeInterval)
    {
        var intervals = lifetime / scrapeInterval;
        return intervals < 1 ? LifetimeClass.BelowOneInterval : intervals < 2 ? LifetimeClass.OneToTwoIntervals : LifetimeClass.TwoIntervalsOrMore;
    }

    /// <summary>A plan of given instances (for measurements that need a schedule of their own), in start order.</summary>
    public static FleetPlan Of(FleetPlanOptions options, IEnumerable<PlannedInstance> instances) =>
        new(options, [.. instances.OrderBy(i => i.StartOffset)]);

    public static FleetPlan Create(FleetPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Instances < 3 || options.MinLifetimeIntervals >= 1 || options.MaxLifetimeIntervals <= 2)
        {
            throw new ArgumentException("A fleet plan needs at least 3 instances and lifetimes from below 1 to above 2 scrape intervals.", nameof(options));
        }

        var random = new Random(options.Seed);
        var scrape = options.ScrapeInterval;
        var instances = new List<PlannedInstance>(options.Instances);
        for (var i = 0; i < options.Instances; i++)
        {
            // Classes by index (every class present); inside a class, one draw per equal slice of its range, so the
            // lifetimes cover the whole range (0.5 to 10 intervals by default) whatever the seed.
            var (min, max) = (i % 4) switch
            {
                0 => (options.MinLifetimeIntervals, 0.95),
                1 => (1.1, 1.9),
                _ => (2.1, options.MaxLifetimeIntervals),
            };
            var members = (i % 4) switch
            {
                0 => (options.Instances + 3) / 4,
                1 => (options.Instances + 2) / 4,
                _ => ((options.Instances + 1) / 4) + (options.Instances / 4),
            };
            var member = (i % 4) switch
            {
                0 or 1 => i / 4,
                _ => (2 * (i / 4)) + ((i % 4) - 2),
            };
            var slice = (max - min) / members;
            var intervals = min + (slice * member) + (slice * random.NextDouble());
            var lifetime = scrape * intervals;
            var start = scrape * Between(random, 0, options.StartSpreadIntervals);
            var count = Math.Max(1, (int)Math.Floor(lifetime.TotalSeconds * options.PaymentsPerSecond));
            var id = string.Create(CultureInfo.InvariantCulture, $"{options.InstancePrefix}-{options.Seed}-{i:D3}");
            var payments = new List<PlannedPayment>(count);
            for (var k = 0; k < count; k++)
            {
                var offset = TimeSpan.FromSeconds(k / options.PaymentsPerSecond);
                var request = new PaymentRequest(
                    string.Create(CultureInfo.InvariantCulture, $"{id}-order-{k}"),
                    string.Create(CultureInfo.InvariantCulture, $"user_{random.Next(100, 1000)}"),
                    Amounts[random.Next(Amounts.Length)],
                    "USD",
                    Tiers[random.Next(Tiers.Length)],
                    Methods[random.Next(Methods.Length)]);
                payments.Add(new PlannedPayment(offset, request));
            }

            instances.Add(new PlannedInstance(id, start, lifetime, Classify(lifetime, scrape), (options.Seed * 1000) + i, payments));
        }

        return new FleetPlan(options, instances.OrderBy(i => i.StartOffset).ToList());
    }

    private static double Between(Random random, double min, double max) => min + (random.NextDouble() * (max - min));
}
