using System.Globalization;
using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// Three app instances push to a real Pushgateway scraped by a real Prometheus running the repository's configuration
/// and rules (scraped and evaluated every second). All report 95 % memory, so MemoryUsageHigh is pending for all. One is
/// killed (no final push), one stops gracefully (its final push says so): both groups stay in the gateway with their last
/// values (only the janitor deletes groups), yet their alerts, memory ratios and places in the live count must go: the
/// stopped one's at once, the killed one's when its last push leaves the 30 s freshness window of the recording rules.
/// The third, idle but heartbeating, keeps its alert.
/// </summary>
public sealed class DeadInstanceTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";
    private const string InstanceA = "dead-instance-a";
    private const string InstanceB = "live-instance-b";
    private const string InstanceC = "stopped-instance-c";

    /// <summary>instance:push_age_seconds:fresh in recording.yml.</summary>
    private static readonly TimeSpan FreshnessWindow = TimeSpan.FromSeconds(30);

    /// <summary>One scrape and two rule evaluations (resources group, then alerts group) at 1 s each, with room to spare.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_killed_instance_leaves_the_memory_alert_and_the_live_count_within_the_freshness_window_a_stopped_one_at_once_while_their_groups_stay()
    {
        await using var pushgateway = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"),
            $"127.0.0.1:{pushgateway.Port}",
            scrapeInterval: TimeSpan.FromSeconds(1),
            evaluationInterval: TimeSpan.FromSeconds(1));

        using var hostA = BuildApp(pushgateway.Url, InstanceA);
        using var hostB = BuildApp(pushgateway.Url, InstanceB);
        using var hostC = BuildApp(pushgateway.Url, InstanceC);
        var runningB = false;
        var runningC = false;
        try
        {
            await hostA.StartAsync();
            await hostB.StartAsync();
            runningB = true;
            await hostC.StartAsync();
            runningC = true;
            foreach (var host in new[] { hostA, hostB, hostC })
            {
                host.Services.GetRequiredService<SystemMetricsSampler>().Sample();
            }

            // 1. All push 95 % memory: MemoryUsageHigh is pending (its for: is 5 minutes) for all; all are live.
            await Poll.UntilAsync(
                async () => (await PendingMemoryAlertsAsync(prometheus)).SetEquals([InstanceA, InstanceB, InstanceC]),
                Deadline,
                $"MemoryUsageHigh is pending for {InstanceA}, {InstanceB} and {InstanceC}");
            await Poll.UntilAsync(
                async () => (await LiveCountAsync(prometheus)) == 3,
                Deadline,
                "job:instances_live:count is 3");

            // 2. A is killed: disposed without a stop, so no final push; C stops gracefully (its final push says so).
            //    Nothing deletes their groups.
            hostA.Dispose();
            await hostC.StopAsync();
            runningC = false;
            var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            var lastPushA = (await pushgateway.ScrapeAsync()).Value("push_time_seconds", ("job", Job), ("instance", InstanceA));
            Assert.Equal(0, (await pushgateway.ScrapeAsync()).Value("metric_push_final_timestamp_seconds", ("job", Job), ("instance", InstanceA)));
            Assert.True((await pushgateway.ScrapeAsync()).Value("metric_push_final_timestamp_seconds", ("job", Job), ("instance", InstanceC)) > 0);

            // 3. C's alert goes at once: one scrape and two evaluations, far inside the window.
            await Poll.UntilAsync(
                async () => !(await PendingMemoryAlertsAsync(prometheus)).Contains(InstanceC),
                Margin,
                $"MemoryUsageHigh for {InstanceC}, which stopped gracefully, is gone");
            var stoppedGoneAfter = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0) - stoppedAt;
            output.WriteLine($"MemoryUsageHigh for {InstanceC} (stopped) left {stoppedGoneAfter.ToString("F2", CultureInfo.InvariantCulture)} s after its stop.");
            Assert.True(
                (await PendingMemoryAlertsAsync(prometheus)).Contains(InstanceA),
                $"{InstanceA} was killed without a final push: it stays until its last push leaves the window.");

            // 4. A's alert goes once its last push is out of the window; B's stays.
            var goneAfter = double.NaN;
            IReadOnlySet<string> pendingWhenGone = new HashSet<string>();
            await Poll.UntilAsync(
                async () =>
                {
                    var pending = await PendingMemoryAlertsAsync(prometheus);
                    if (pending.Contains(InstanceA))
                    {
                        return false;
                    }

                    goneAfter = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0) - lastPushA;
                    pendingWhenGone = pending;
                    return true;
                },
                FreshnessWindow + Margin + Margin,
                $"MemoryUsageHigh for {InstanceA} is gone after its last push");
            output.WriteLine(
                $"MemoryUsageHigh for {InstanceA} left {goneAfter.ToString("F2", CultureInfo.InvariantCulture)} s after its last push.");

            Assert.InRange(goneAfter, FreshnessWindow.TotalSeconds - 1, (FreshnessWindow + Margin).TotalSeconds);
            Assert.Equal([InstanceB], pendingWhenGone.Order(StringComparer.Ordinal));

            // 5. The gauge rule and the live count keep only B (recorded in the same evaluation that dropped A).
            var memory = await prometheus.QueryAsync("instance:memory_usage:ratio");
            Assert.Equal(
                [$"{InstanceB}=0.95"],
                memory.Select(s => $"{s.Labels["instance"]}={s.Value.ToString("R", CultureInfo.InvariantCulture)}"));
            Assert.Equal(1, await LiveCountAsync(prometheus));

            // 6. ... while the gateway still serves A's and C's groups, frozen at its last push and its 95 % memory.
            var gateway = await pushgateway.ScrapeAsync();
            Assert.Equal(lastPushA, gateway.Value("push_time_seconds", ("job", Job), ("instance", InstanceA)));
            Assert.Equal(950, gateway.Value("memory_usage_bytes", ("job", Job), ("instance", InstanceA), ("type", "used")));
            Assert.Equal(1000, gateway.Value("memory_usage_bytes", ("job", Job), ("instance", InstanceA), ("type", "total")));
            Assert.Equal(950, gateway.Value("memory_usage_bytes", ("job", Job), ("instance", InstanceC), ("type", "used")));
            Assert.True(
                gateway.Value("push_time_seconds", ("job", Job), ("instance", InstanceB)) > lastPushA,
                $"{InstanceB} stopped heartbeating.");
        }
        finally
        {
            if (runningB)
            {
                await hostB.StopAsync();
            }

            if (runningC)
            {
                await hostC.StopAsync();
            }
        }
    }

    /// <summary>An app host like the end-to-end test's, pushing every second as its own instance, at 950 of 1000 bytes of memory.</summary>
    private static IHost BuildApp(Uri pushgateway, string instance)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MetricPush:Url"] = pushgateway.AbsoluteUri,
            ["MetricPush:Job"] = Job,
            ["MetricPush:Instance"] = instance,
            ["MetricPush:IntervalSeconds"] = "1",
            ["MetricPush:TimeoutSeconds"] = "2",
            ["MetricPush:FirstValuesDelaySeconds"] = "0",
        });
        builder.Services.AddLogging();
        // Registered before the app's registrations, which only TryAdd it.
        builder.Services.AddScriptedSystemStats(new ScriptedReading(950, 50, 1000, [(0, 0)]));
        builder.Services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection);
        builder.Services.AddSystemMetrics();
        return builder.Build();
    }

    /// <summary>The instances for which Prometheus holds a pending MemoryUsageHigh now.</summary>
    private static async Task<HashSet<string>> PendingMemoryAlertsAsync(PrometheusProcess prometheus)
    {
        var data = await prometheus.GetDataAsync("/api/v1/alerts");
        return data.GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MemoryUsageHigh"
                && a.GetProperty("state").GetString() == "pending")
            .Select(a => a.GetProperty("labels").GetProperty("instance").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>job:instances_live:count for the app; 0 while it has no recorded sample.</summary>
    private static async Task<double> LiveCountAsync(PrometheusProcess prometheus)
    {
        var result = await prometheus.QueryAsync($"job:instances_live:count{{job=\"{Job}\"}}");
        return result.Count == 0 ? 0 : result.Single().Value;
    }
}
