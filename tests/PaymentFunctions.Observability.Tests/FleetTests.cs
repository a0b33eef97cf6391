using System.Globalization;
using System.Text;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// A fleet of short-lived app instances end to end (each its own host, registry, pusher and instance id) pushing to a
/// real Pushgateway scraped by a real Prometheus that runs the repository's prometheus.yml and rules.
/// <list type="bullet">
/// <item>As shipped (protobuf pushes with created timestamps, no hold; Pushgateway 1.11, Prometheus 2.53 with
/// created-timestamp-zero-ingestion): every check of every lifetime class, instances shorter than one scrape interval
/// included, within 1 %.</item>
/// <item>A gateway and a Prometheus without created timestamps (Debian 12's 1.5.1 and 2.42) with the first-values hold
/// of 1.5 scrape intervals: every instance living two scrape intervals or more within 1 %.</item>
/// <item>The app before any fleet fix (text, no hold, no series created at zero): clearly undercounted, which shows the
/// comparison can fail.</item>
/// </list>
/// </summary>
public sealed class FleetTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.01;
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task As_shipped_Prometheus_counts_every_lifetime_class_within_one_percent_and_the_app_before_the_fixes_is_undercounted()
    {
        var shipped = await RunAsync("shipped", Binaries.Shipped, gateway => new FleetSettings { Pushgateways = [gateway] });
        var before = await RunAsync("before", Binaries.Shipped, gateway => FleetSettings.Before(gateway));

        output.WriteLine(Table(("before", before), ("shipped", shipped)));
        output.WriteLine("As shipped:");
        output.WriteLine(shipped.Report.Format());
        output.WriteLine("Before the fixes:");
        output.WriteLine(before.Report.Format());
        WriteCosts(shipped, before);

        // Every final push landed: RunAsync waited until each instance's raw counter in Prometheus equals its truth.
        Assert.True(shipped.Fleet.Instances.Count >= 20);
        Assert.Contains(shipped.Fleet.Instances, i => i.Class == LifetimeClass.BelowOneInterval);
        Assert.Contains(shipped.Fleet.Instances, i => i.Class == LifetimeClass.OneToTwoIntervals);
        Assert.True(shipped.Fleet.Totals.Failed > 0 && shipped.Fleet.Totals.HighSeverityErrors > 0 && shipped.Fleet.Totals.MediumSeverityErrors > 0
            && shipped.Fleet.Totals.InvocationsFailed > 0 && shipped.Fleet.Totals.AboveThousandUsd > 0, "The fleet should fail, time out and see high values.");

        // As shipped: every check, of every lifetime class and of the whole fleet, counts and payment panels, within 1 %.
        var wrong = shipped.Report.Checks.Where(c => !c.IsWithin(Tolerance)).ToList();
        Assert.True(wrong.Count == 0, "Not within 1 %:\n" + string.Join('\n', wrong));
        foreach (var lifetimeClass in Enum.GetValues<LifetimeClass>())
        {
            Assert.NotEmpty(shipped.Report.InScope(FleetReport.ScopeOf(lifetimeClass)));
        }

        // Before: the same fleet is clearly undercounted, also among the long-lived instances (measured in four runs: 75-82 %
        // of the fleet, 83-90 % of the long-lived instances; the margins keep the test from flaking on scrape phase).
        var longLived = FleetReport.ScopeOf(LifetimeClass.TwoIntervalsOrMore);
        var beforeLong = before.Report.Get(longLived, "payments");
        Assert.True(beforeLong.Observed < 0.95 * beforeLong.Truth, $"Before the fixes the long-lived instances should be undercounted: {beforeLong}");
        var beforeAll = before.Report.Get(FleetReport.All, "payments");
        Assert.True(beforeAll.Observed < 0.9 * beforeAll.Truth, $"Before the fixes the fleet should be undercounted: {beforeAll}");
    }

    [Fact]
    public async Task Without_created_timestamps_the_first_values_hold_counts_every_instance_living_two_scrape_intervals_within_one_percent()
    {
        var held = await RunAsync("held", Binaries.Debian12, gateway => new FleetSettings
        {
            Pushgateways = [gateway],
            FirstValuesDelaySeconds = 1.5 * ScrapeInterval.TotalSeconds,
        });

        output.WriteLine(held.Report.Format());
        var longLived = FleetReport.ScopeOf(LifetimeClass.TwoIntervalsOrMore);
        var wrong = held.Report.InScope(longLived).Where(c => !c.IsWithin(Tolerance)).ToList();
        Assert.True(wrong.Count == 0, "Not within 1 % for instances living >= 2 scrape intervals:\n" + string.Join('\n', wrong));

        // Instances living less than one scrape interval may end before Prometheus scraped their zero push, so their counts
        // are partly lost without created timestamps (measured: 71 % to 100 % of their payments from run to run); the
        // fleet as a whole is still counted nearly whole.
        var all = held.Report.Get(FleetReport.All, "payments");
        Assert.True(all.Observed > 0.95 * all.Truth, $"With the hold the fleet should be counted nearly whole: {all}");
    }

    private enum Binaries
    {
        /// <summary>Debian 13's Pushgateway 1.11 and Prometheus 2.53 with created-timestamp-zero-ingestion, as shipped.</summary>
        Shipped,

        /// <summary>Debian 12's Pushgateway 1.5.1 and Prometheus 2.42: no created timestamps anywhere.</summary>
        Debian12,
    }

    private static async Task<Run> RunAsync(string name, Binaries binaries, Func<Uri, FleetSettings> settings)
    {
        var plan = FleetPlan.Create(new FleetPlanOptions { Seed = 9, Instances = 24, ScrapeInterval = ScrapeInterval, InstancePrefix = name });
        var config = Repository.PathOf("deploy/prometheus/prometheus.yml");
        await using var gateway = binaries == Binaries.Shipped ? await PushgatewayProcess.StartAsync() : await PushgatewayProcess.StartDebian12Async();
        string[] targets = [$"127.0.0.1:{gateway.Url.Port}"];
        await using var prometheus = binaries == Binaries.Shipped
            ? await PrometheusProcess.StartAsync(config, targets, ScrapeInterval, ScrapeInterval)
            : await PrometheusProcess.StartDebian12Async(config, targets, ScrapeInterval, ScrapeInterval);
        using var client = new PrometheusQueryClient(new Uri(prometheus.Url, "/"));

        // The gateway is scraped before the first instance starts, as it is in production.
        await Poll.UntilAsync(async () => await client.ScalarAsync("up{job=\"pushgateway\"}") == 1, Deadline, "Prometheus scrapes the gateway");

        var fleet = await new FleetRunner(TimeProvider.System).RunAsync(plan, settings(gateway.Url), CancellationToken.None);
        var time = await FleetComparison.WaitForFinalScrapesAsync(client, fleet, Deadline);
        var rules = RecordingRule.LoadPaymentPanels(Repository.PathOf("deploy/prometheus/rules/recording.yml"));
        var report = await FleetComparison.CompareAsync(client, fleet, rules, time, "10m");

        var sample = fleet.Instances.First(i => i.Class == LifetimeClass.TwoIntervalsOrMore).Id;
        var perInstance = await client.ScalarAsync($"count({{instance=\"{sample}\"}})", time) ?? 0;
        var own = await client.OwnMetricsAsync();
        return new Run(name, fleet, report, own["prometheus_tsdb_head_series"], sample, perInstance,
            own["process_resident_memory_bytes"], own["go_memstats_heap_inuse_bytes"]);
    }

    private void WriteCosts(params Run[] runs)
    {
        foreach (var run in runs)
        {
            output.WriteLine($"{run.Name}: prometheus_tsdb_head_series {run.HeadSeries}, series per instance {run.SeriesPerInstance} "
                + $"(count({{instance=\"{run.SampleInstance}\"}})), Prometheus resident memory {run.ResidentBytes / 1048576.0:F1} MiB, "
                + $"heap in use {run.HeapInuseBytes / 1048576.0:F1} MiB");
        }
    }

    /// <summary>Payments counted by Prometheus over the true payments, per lifetime class, for each run.</summary>
    private static string Table(params (string Name, Run Run)[] runs)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"lifetime class",-16} {"instances",9}");
        foreach (var (name, _) in runs)
        {
            text.Append(CultureInfo.InvariantCulture, $" {name + ": counted / true",26}");
        }

        text.AppendLine();
        var fleet = runs[0].Run.Fleet;
        foreach (var scope in new[] { FleetReport.ScopeOf(LifetimeClass.BelowOneInterval), FleetReport.ScopeOf(LifetimeClass.OneToTwoIntervals), FleetReport.ScopeOf(LifetimeClass.TwoIntervalsOrMore), FleetReport.All })
        {
            var instances = scope == FleetReport.All ? fleet.Instances.Count : fleet.Instances.Count(i => FleetReport.ScopeOf(i.Class) == scope);
            text.Append(CultureInfo.InvariantCulture, $"{scope,-16} {instances,9}");
            foreach (var (_, run) in runs)
            {
                text.Append(CultureInfo.InvariantCulture, $" {Cell(run.Report.Get(scope, "payments")),26}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Cell(FleetCheck check) =>
        string.Create(CultureInfo.InvariantCulture, $"{check.Observed ?? 0:0.#} / {check.Truth:0} ({(check.Observed ?? 0) / check.Truth:P1})");

    private sealed record Run(
        string Name, FleetResult Fleet, FleetReport Report, double HeadSeries, string SampleInstance, double SeriesPerInstance, double ResidentBytes, double HeapInuseBytes);
}
