using System.Diagnostics;
using System.Globalization;
using PaymentFunctions.Fleet;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// How long a new instance's first payment takes to reach the dashboard: from the instance's start, where it makes one
/// payment, to the first moment <c>sum(increase(payment_requests_total{instance}[10m]))</c> is non-zero in a real
/// Prometheus (2.53, created-timestamp ingestion on) scraping a real Pushgateway (1.11) with the repository's
/// configuration. Two configurations side by side, each with instances whose starts spread over one scrape interval:
/// before (text pushes, the 20 s hold) and as shipped (protobuf with created timestamps, no hold).
///   dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- first-count [--dry] [--scrape-every 15] [--instances 8]
/// </summary>
internal static class FirstCountDelay
{
    public static BenchMode Mode { get; } = BenchMode.Of(
        "first-count",
        "[options]",
        "a new instance's delay from its first payment to its first non-zero increase() in Prometheus, before (text, 20 s hold) and as shipped",
        """
          --dry            the smoke form: 1 s scrapes, 2 instances, a 1.5 s hold
          --scrape-every S Prometheus' scrape and evaluation interval in seconds, the before configuration's hold S + 5 (default 15)
          --instances N    instances per configuration, their starts spread over one scrape interval (default 8)
        """.TrimEnd(),
        Parse,
        RunAsync);

    /// <summary>The scrape interval, the instances per configuration and the before configuration's hold in seconds.</summary>
    internal sealed record Options(TimeSpan Scrape, int Instances, double Hold);

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options(TimeSpan.FromSeconds(15), 8, 20);
        var reader = new ArgumentReader(args);
        while (reader.Next() is { } arg)
        {
            switch (arg)
            {
                case "--dry":
                    options = new Options(TimeSpan.FromSeconds(1), 2, 1.5);
                    break;
                case "--scrape-every":
                    var seconds = reader.Seconds();
                    options = options with { Scrape = TimeSpan.FromSeconds(seconds), Hold = seconds + 5 };
                    break;
                case "--instances":
                    options = options with { Instances = reader.Count() };
                    break;
                default:
                    throw reader.Unexpected();
            }
        }

        return options;
    }

    public static async Task<int> RunAsync(Options options)
    {
        var (scrape, instances, hold) = options;
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Path.Combine(Root(), "deploy", "prometheus", "prometheus.yml"), $"127.0.0.1:{gateway.Url.Port}", scrape, scrape);
        using var client = new PrometheusQueryClient(new Uri(prometheus.Url, "/"));
        await WaitAsync(async () => await client.ScalarAsync("up{job=\"pushgateway\"}") == 1, TimeSpan.FromSeconds(60));

        // Long enough for the hold, a scrape and a margin; starts spread over one scrape interval (the scrape's phase).
        var lifetime = TimeSpan.FromSeconds(hold) + (3 * scrape);
        var configurations = new (string Name, FleetSettings Settings)[]
        {
            ("before: text, hold " + hold.ToString(CultureInfo.InvariantCulture) + " s", Settings(gateway.Url, AzureFunctions.PrometheusPush.PushFormat.Text, hold)),
            ("shipped: protobuf, created timestamps", Settings(gateway.Url, AzureFunctions.PrometheusPush.PushFormat.Protobuf, 0)),
        };
        var plans = configurations.Select((c, k) => Plan(k, instances, scrape, lifetime)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{instances} instances per configuration, one payment each at start, scrape interval {scrape.TotalSeconds} s, starts spread over one interval, lifetimes {lifetime.TotalSeconds} s."));

        var clock = Stopwatch.StartNew();
        var runs = plans.Select((plan, k) => new FleetRunner(TimeProvider.System).RunAsync(plan, configurations[k].Settings, CancellationToken.None)).ToList();
        var firstSeen = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var deadline = plans.Max(p => p.Duration) + scrape + TimeSpan.FromSeconds(10);
        while (clock.Elapsed < deadline && firstSeen.Count < 2 * instances)
        {
            var counted = await client.QueryAsync("sum by (instance) (increase(payment_requests_total{job=\"payment-functions\"}[10m])) > 0");
            var now = clock.Elapsed;
            foreach (var series in counted)
            {
                firstSeen.TryAdd(series.Labels["instance"], now);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        await Task.WhenAll(runs);
        Console.WriteLine();
        Console.WriteLine("| configuration | instances counted before they stopped | delay min | median | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var k = 0; k < plans.Count; k++)
        {
            var delays = plans[k].Instances
                .Where(i => firstSeen.TryGetValue(i.Id, out var seen) && seen < i.StartOffset + i.Lifetime)
                .Select(i => (firstSeen[i.Id] - i.StartOffset).TotalSeconds).Order().ToList();
            Console.WriteLine(delays.Count == 0
                ? $"| {configurations[k].Name} | 0 of {instances} | - | - | - |"
                : string.Create(CultureInfo.InvariantCulture, $"| {configurations[k].Name} | {delays.Count} of {instances} | {delays[0]:F1} s | {delays[(delays.Count - 1) / 2]:F1} s | {delays[^1]:F1} s |"));
        }

        return 0;
    }

    private static FleetSettings Settings(Uri gateway, AzureFunctions.PrometheusPush.PushFormat format, double hold) => new()
    {
        Pushgateways = [gateway],
        Format = format,
        FirstValuesDelaySeconds = hold,
        FailureRate = 0,
        PremiumFailureRate = 0,
    };

    private static FleetPlan Plan(int configuration, int instances, TimeSpan scrape, TimeSpan lifetime)
    {
        var options = new FleetPlanOptions { Instances = instances, ScrapeInterval = scrape, InstancePrefix = "first-count" };
        return FleetPlan.Of(options, Enumerable.Range(0, instances).Select(i =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"first-count-{configuration}-{i:D2}");
            var payment = new PlannedPayment(TimeSpan.Zero, new PaymentRequest($"{id}-order", "user_1", 50m, "USD", "standard", "credit_card"));
            return new PlannedInstance(id, scrape * i / instances, lifetime, LifetimeClass.TwoIntervalsOrMore, 1000 + i, [payment]);
        }));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"Prometheus did not scrape the gateway within {deadline}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("PaymentFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
