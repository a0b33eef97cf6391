using System.Globalization;
using System.Text;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// Issue 9 end to end: a fleet of short-lived app instances (each its own host, registry, pusher and instance id) pushing
/// to a real Pushgateway scraped by a real Prometheus that runs the repository's prometheus.yml and rules. With the fix
/// (series created at zero, counts held for 1.5 scrape intervals after the first push) Prometheus must count what every
/// instance living two scrape intervals or more recorded, within 1 %; the same fleet in the configuration before the fix
/// (no hold, no initializers) must be clearly undercounted, which shows the comparison can fail.
/// </summary>
public sealed class FleetTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.01;
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prometheus_counts_every_instance_living_two_scrape_intervals_within_one_percent_and_undercounts_without_the_fix()
    {
        var after = await RunAsync("after", gateway => new FleetSettings
        {
            Pushgateways = [gateway],
            FirstValuesDelaySeconds = 1.5 * ScrapeInterval.TotalSeconds,
        });
        var before = await RunAsync("before", gateway => FleetSettings.Before(gateway));

        output.WriteLine(Table(before, after));
        output.WriteLine("After the fix:");
        output.WriteLine(after.Report.Format());
        output.WriteLine("Before the fix:");
        output.WriteLine(before.Report.Format());
        foreach (var run in new[] { after, before })
        {
            output.WriteLine($"{run.Name}: prometheus_tsdb_head_series {run.HeadSeries}, series per instance {run.SeriesPerInstance} "
                + $"(count({{instance=\"{run.SampleInstance}\"}})), Prometheus resident memory {run.ResidentBytes / 1048576.0:F1} MiB, "
                + $"heap in use {run.HeapInuseBytes / 1048576.0:F1} MiB");
        }

        // Every final push landed: RunAsync waited until each instance's raw counter in Prometheus equals its truth.
        Assert.True(after.Fleet.Instances.Count >= 20);
        Assert.Contains(after.Fleet.Instances, i => i.Class == LifetimeClass.BelowOneInterval);
        Assert.Contains(after.Fleet.Instances, i => i.Class == LifetimeClass.OneToTwoIntervals);
        Assert.True(after.Fleet.Totals.Failed > 0 && after.Fleet.Totals.HighSeverityErrors > 0 && after.Fleet.Totals.MediumSeverityErrors > 0
            && after.Fleet.Totals.InvocationsFailed > 0 && after.Fleet.Totals.AboveThousandUsd > 0, "The fleet should fail, time out and see high values.");

        // After: every check of the instances living two scrape intervals or more, counts and payment panels, within 1 %.
        var longLived = FleetReport.ScopeOf(LifetimeClass.TwoIntervalsOrMore);
        var wrong = after.Report.InScope(longLived).Where(c => !c.IsWithin(Tolerance)).ToList();
        Assert.True(wrong.Count == 0, "Not within 1 % for instances living >= 2 scrape intervals:\n" + string.Join('\n', wrong));

        // On all instances the panels are not asserted at 1 %: instances living less than one scrape interval may end before
        // Prometheus scraped their zero push, so their counts are partly lost even with the fix (measured: 71 % to 100 % of their payments from run to run,
        // up to a third of their errors), which moved the fleet-wide error rate by about 2 % in one run. The fleet-wide count still beats "before" clearly.
        var afterAll = after.Report.Get(FleetReport.All, "payments");
        Assert.True(afterAll.Observed > 0.95 * afterAll.Truth, $"After the fix the fleet should be counted nearly whole: {afterAll}");

        // Before: the same fleet is clearly undercounted, also among the long-lived instances (measured in four runs: 75-82 %
        // of the fleet, 83-90 % of the long-lived instances; the margins keep the test from flaking on scrape phase).
        var beforeLong = before.Report.Get(longLived, "payments");
        Assert.True(beforeLong.Observed < 0.95 * beforeLong.Truth, $"Before the fix the long-lived instances should be undercounted: {beforeLong}");
        var beforeAll = before.Report.Get(FleetReport.All, "payments");
        Assert.True(beforeAll.Observed < 0.9 * beforeAll.Truth, $"Before the fix the fleet should be undercounted: {beforeAll}");
    }

    private static async Task<Run> RunAsync(string name, Func<Uri, FleetSettings> settings)
    {
        var plan = FleetPlan.Create(new FleetPlanOptions { Seed = 9, Instances = 24, ScrapeInterval = ScrapeInterval, InstancePrefix = name });
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"), $"127.0.0.1:{gateway.Url.Port}", ScrapeInterval, ScrapeInterval);
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

    /// <summary>Payments counted by Prometheus over the true payments, per lifetime class, before and after the fix.</summary>
    private static string Table(Run before, Run after)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"lifetime class",-16} {"instances",9} {"before: counted / true",24} {"after: counted / true",24}");
        foreach (var scope in new[] { FleetReport.ScopeOf(LifetimeClass.BelowOneInterval), FleetReport.ScopeOf(LifetimeClass.OneToTwoIntervals), FleetReport.ScopeOf(LifetimeClass.TwoIntervalsOrMore), FleetReport.All })
        {
            var instances = scope == FleetReport.All
                ? after.Fleet.Instances.Count
                : after.Fleet.Instances.Count(i => FleetReport.ScopeOf(i.Class) == scope);
            text.AppendLine(CultureInfo.InvariantCulture, $"{scope,-16} {instances,9} {Cell(before.Report.Get(scope, "payments")),24} {Cell(after.Report.Get(scope, "payments")),24}");
        }

        return text.ToString();
    }

    private static string Cell(FleetCheck check) =>
        string.Create(CultureInfo.InvariantCulture, $"{check.Observed ?? 0:0.#} / {check.Truth:0} ({(check.Observed ?? 0) / check.Truth:P1})");

    private sealed record Run(
        string Name, FleetResult Fleet, FleetReport Report, double HeadSeries, string SampleInstance, double SeriesPerInstance, double ResidentBytes, double HeapInuseBytes);
}
