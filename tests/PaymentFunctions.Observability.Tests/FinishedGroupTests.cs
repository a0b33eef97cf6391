using System.Globalization;
using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// Deleting a gracefully stopped instance's group changes no query result once no rate window holds a change of its
/// values: from then on the kept group would add exactly 0 to every <c>rate()</c> and <c>increase()</c> (its series are
/// flat over the window), and the deleted one adds nothing. A real Pushgateway and a real Prometheus (the repository's
/// configuration and rules, scraped every second) hold a fleet of real app hosts that stop gracefully; the janitor,
/// with the shipped rule scaled to this test's 1 s scrapes (a 20 s window plus two scrapes: 22 s, as 5 minutes plus two
/// 15 s scrapes is the shipped 330 s), deletes each group. Just before each deletion, Prometheus must see no change in
/// any of that instance's series over the window. Deleted two scrapes after the final push instead (what "scraped once
/// or twice" would give), the window still holds the payments, and <c>rate()</c> would extrapolate the ended series:
/// the test shows that too, so the retention cannot silently shrink to it.
/// </summary>
public sealed class FinishedGroupTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Retention = Window + (2 * ScrapeInterval);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stopped_group_is_deleted_only_once_its_series_are_flat_over_the_window_and_deleted_groups_still_count_on_the_panels()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"), [$"127.0.0.1:{gateway.Url.Port}"], ScrapeInterval, ScrapeInterval);
        using var client = new PrometheusQueryClient(new Uri(prometheus.Url, "/"));
        await Poll.UntilAsync(async () => await client.ScalarAsync("up{job=\"pushgateway\"}") == 1, Deadline, "Prometheus scrapes the gateway");

        var plan = FleetPlan.Create(new FleetPlanOptions
        {
            Seed = 5, Instances = 6, ScrapeInterval = ScrapeInterval, MinLifetimeIntervals = 0.5, MaxLifetimeIntervals = 6,
            StartSpreadIntervals = 3, PaymentsPerSecond = 5, InstancePrefix = "finished",
        });
        var fleet = await new FleetRunner(TimeProvider.System).RunAsync(plan, new FleetSettings { Pushgateways = [gateway.Url] }, CancellationToken.None);
        var ids = fleet.Instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var finalPush = new Dictionary<string, double>(StringComparer.Ordinal);
        var pushed = await gateway.ScrapeAsync();
        foreach (var id in ids)
        {
            Assert.True(pushed.Value("metric_push_final_timestamp_seconds", ("job", fleet.Settings.Job), ("instance", id)) > 0, $"{id} stopped gracefully");
            finalPush[id] = pushed.Value("push_time_seconds", ("job", fleet.Settings.Job), ("instance", id));
        }

        // Two scrapes after its final push, each instance's window still holds its payments: deleting then would end
        // series that rose inside the window.
        foreach (var id in ids)
        {
            var at = finalPush[id] + (2 * ScrapeInterval.TotalSeconds);
            await Poll.UntilAsync(async () => await client.ScalarAsync("time()") > at + 1, Deadline, $"Prometheus is past {at}");
            var risen = await client.ScalarAsync($"sum(changes(payment_requests_total{{instance=\"{id}\"}}[{Window.TotalSeconds}s]))", at);
            Assert.True(risen > 0, $"{id}: its payments are inside the {Window.TotalSeconds} s window two scrapes after its final push ({risen})");
        }

        using var janitorServices = JanitorServices(gateway.Url, fleet.Settings.Job);
        var janitor = janitorServices.GetRequiredService<PushGroupJanitor>();
        var deletedAt = new Dictionary<string, (double Before, double After)>(StringComparer.Ordinal);
        await Poll.UntilAsync(
            async () =>
            {
                var before = Now();
                await janitor.SweepAsync(CancellationToken.None);
                var after = Now();
                var left = (await gateway.ScrapeAsync()).Samples.Where(s => s.Name == "push_time_seconds").Select(s => s.Labels.GetValueOrDefault("instance", string.Empty)).ToHashSet(StringComparer.Ordinal);
                foreach (var id in ids.Where(id => !left.Contains(id) && !deletedAt.ContainsKey(id)))
                {
                    deletedAt[id] = (before, after);
                }

                return deletedAt.Count == ids.Count;
            },
            Deadline,
            "the janitor deleted every stopped instance's group");

        foreach (var id in ids)
        {
            var (before, after) = deletedAt[id];
            output.WriteLine($"{id}: final push {finalPush[id]:F2}, deleted {before - finalPush[id]:F2}-{after - finalPush[id]:F2} s after it");
            Assert.True(after - finalPush[id] > Retention.TotalSeconds, $"{id} was deleted {after - finalPush[id]:F2} s after its final push, inside the retention");
            Assert.True(before - finalPush[id] < Retention.TotalSeconds + 5, $"{id} was deleted late: {before - finalPush[id]:F2} s after its final push");

            // At the sweep that deleted it, none of its series changed over the window: kept, it would add 0 to every
            // rate() and increase() from now on, exactly what the deleted group adds.
            // changes() drops the metric name, so it is asked per metric (one query over all names would hold duplicates).
            var selector = $"{{instance=\"{id}\", job=\"{fleet.Settings.Job}\"}}";
            // Recorded series (a colon in the name, such as the push age, which grows with time) are the rules' own
            // output; what they read is the pushed series checked here.
            var names = (await client.QueryAsync($"group by (__name__) ({selector})", before)).Select(s => s.Labels["__name__"]).Where(n => !n.Contains(':', StringComparison.Ordinal)).ToList();
            Assert.Contains("payment_requests_total", names);
            foreach (var name in names)
            {
                var changed = await client.QueryAsync($"changes({name}{selector}[{Window.TotalSeconds}s]) > 0", before);
                Assert.True(changed.Count == 0, $"{id}: {name} changed inside the window at its deletion");
            }

            var series = await client.ScalarAsync($"count({{instance=\"{id}\", job=\"{fleet.Settings.Job}\"}})", before);
            Assert.True(series > 100, $"{id}: Prometheus held its series before the deletion ({series})");
        }

        // Once deleted, the series are stale; the panel that counts instances looks back over their samples.
        var lastDeletion = deletedAt.Values.Max(d => d.After);
        await Poll.UntilAsync(async () => await client.ScalarAsync("time()") > lastDeletion + (3 * ScrapeInterval.TotalSeconds), Deadline, "three scrapes after the last deletion");
        var now = Now();
        Assert.Empty(await client.QueryAsync($"payment_requests_total{{job=\"{fleet.Settings.Job}\"}}", now));
        var invoked = fleet.Instances.Count(i => i.InvocationsSucceeded + i.InvocationsFailed > 0);
        Assert.Equal(invoked, await client.ScalarAsync($"sum(max_over_time(function_cold_starts_total{{job=\"{fleet.Settings.Job}\"}}[10m]))", now));
        Assert.Equal(fleet.Totals.Payments, await client.ScalarAsync($"sum(max_over_time(payment_requests_total{{job=\"{fleet.Settings.Job}\"}}[10m]))", now));
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>
    /// The push registration as the app makes it (its section, the janitor of its job), configured with the shipped
    /// retention rule scaled to this test's scrapes.
    /// </summary>
    private static ServiceProvider JanitorServices(Uri gateway, string job)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MetricPush:Url"] = gateway.AbsoluteUri,
            ["MetricPush:Job"] = job,
            ["MetricPush:Instance"] = "janitor",
            ["MetricPush:FinishedGroupRetentionSeconds"] = Retention.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MetricPush:FailedGroupRetentionSeconds"] = (2 * Window + (2 * ScrapeInterval)).TotalSeconds.ToString(CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection);
        return services.BuildServiceProvider();
    }
}
