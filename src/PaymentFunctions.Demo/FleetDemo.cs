using System.Diagnostics;
using System.Globalization;
using PaymentFunctions.Fleet;

namespace PaymentFunctions.Demo;

/// <summary>
/// The main job with <c>--fleet</c> (scripts/demo.sh --fleet): a seeded fleet of short-lived instances, each its own host, registry,
/// pusher and instance id, pushes to the Pushgateway (<c>PUSHGATEWAY_URL</c>) that a real Prometheus
/// (<c>PROMETHEUS_URL</c>) scrapes with the repository's configuration and rules; then every check and payment panel,
/// the true value beside Prometheus' answer, overall and per lifetime class.
/// </summary>
internal static class FleetDemo
{
    public static async Task<int> RunAsync(TextWriter output)
    {
        var pushgateway = Setting("PUSHGATEWAY_URL", null) ?? Setting("MetricPush__Url", null);
        var prometheusUrl = Setting("PROMETHEUS_URL", null);
        if (pushgateway is null || prometheusUrl is null)
        {
            await output.WriteLineAsync("--fleet needs PUSHGATEWAY_URL and PROMETHEUS_URL (scripts/demo.sh --fleet starts both).");
            return 2;
        }

        var scrape = TimeSpan.FromSeconds(double.Parse(Setting("FLEET_SCRAPE_SECONDS", "1")!, CultureInfo.InvariantCulture));
        var rulesFile = Setting("FLEET_RULES_FILE", Path.Combine("deploy", "prometheus", "rules", "recording.yml"))!;
        var plan = FleetPlan.Create(new FleetPlanOptions
        {
            Seed = int.Parse(Setting("FLEET_SEED", "9")!, CultureInfo.InvariantCulture),
            Instances = int.Parse(Setting("FLEET_INSTANCES", "24")!, CultureInfo.InvariantCulture),
            ScrapeInterval = scrape,
            InstancePrefix = "demo",
        });
        var settings = new FleetSettings
        {
            // As shipped: protobuf pushes with created timestamps, no hold (Prometheus runs with created-timestamp-zero-ingestion).
            Pushgateways = [.. pushgateway.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))],
        };

        using var prometheus = new PrometheusQueryClient(new Uri(prometheusUrl.TrimEnd('/') + "/"));
        await UntilAsync(async () => await prometheus.ScalarAsync("count(up{job=\"pushgateway\"} == 1)") == settings.Pushgateways.Count, TimeSpan.FromSeconds(30), "Prometheus scrapes every gateway");

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"A fleet of {plan.Instances.Count} instances (seed {plan.Options.Seed}) for {plan.Duration.TotalSeconds:F1} s: lifetimes "
            + $"{plan.Instances.Min(i => i.Lifetime).TotalSeconds:F2}-{plan.Instances.Max(i => i.Lifetime).TotalSeconds:F2} s, scrape interval {scrape.TotalSeconds} s, "
            + $"pushed as {settings.Format} with created timestamps, no hold, {plan.Options.PaymentsPerSecond} payments/s per instance."));
        foreach (var lifetimeClass in Enum.GetValues<LifetimeClass>())
        {
            var members = plan.Instances.Where(i => i.Class == lifetimeClass).ToList();
            await output.WriteLineAsync($"  {FleetReport.ScopeOf(lifetimeClass),-16} {members.Count,3} instances, {members.Sum(i => i.Payments.Count),5} payments");
        }

        var fleet = await new FleetRunner(TimeProvider.System).RunAsync(plan, settings, CancellationToken.None);
        var time = await FleetComparison.WaitForFinalScrapesAsync(prometheus, fleet, TimeSpan.FromSeconds(30));
        var report = await FleetComparison.CompareAsync(prometheus, fleet, RecordingRule.LoadPaymentPanels(rulesFile), time, "10m");

        await output.WriteLineAsync();
        await output.WriteLineAsync("True value (recorded by the instances) beside what Prometheus answers. Panels: the recording rules' expressions");
        await output.WriteLineAsync("from " + rulesFile + ", run at the last scrape's timestamp, restricted to the scope's instances.");
        await output.WriteLineAsync(report.Format());
        await output.WriteLineAsync("Queries (whole fleet):");
        foreach (var query in report.InScope(FleetReport.All).Select(c => c.PromQl).Distinct(StringComparer.Ordinal))
        {
            await output.WriteLineAsync("  " + query.ReplaceLineEndings(" "));
        }

        var sample = fleet.Instances[0].Id;
        var perInstance = await prometheus.ScalarAsync($"count({{instance=\"{sample}\"}})", time);
        var own = await prometheus.OwnMetricsAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Prometheus: prometheus_tsdb_head_series {own.GetValueOrDefault("prometheus_tsdb_head_series")}, series per instance {perInstance} "
            + $"(count({{instance=\"{sample}\"}})), resident memory {own.GetValueOrDefault("process_resident_memory_bytes") / 1048576:F1} MiB, "
            + $"Go heap in use {own.GetValueOrDefault("go_memstats_heap_inuse_bytes") / 1048576:F1} MiB."));

        var wrong = report.Checks.Where(c => !c.IsWithin(0.01)).ToList();
        await output.WriteLineAsync(wrong.Count == 0
            ? "Every check of every lifetime class, the instances shorter than one scrape interval included, is within 1 % of the truth."
            : $"{wrong.Count} checks are off by more than 1 %:\n" + string.Join('\n', wrong));
        return wrong.Count == 0 ? 0 : 1;
    }

    private static string? Setting(string name, string? fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > deadline)
            {
                throw new TimeoutException($"Timed out after {deadline} waiting until {what}.");
            }

            await Task.Delay(100);
        }
    }
}
