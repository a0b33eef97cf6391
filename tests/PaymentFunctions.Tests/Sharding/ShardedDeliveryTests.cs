using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using PaymentFunctions.Tests.Delivery;

namespace PaymentFunctions.Tests.Sharding;

/// <summary>
/// A fleet over two real Pushgateways (MetricPush__Url lists both): every instance's group lands on the shard its
/// instance hashes to and only there, Prometheus scraping both shards with the repository's configuration and rules
/// answers for the whole fleet, and the janitor sweeps every shard.
/// </summary>
public sealed class ShardedDeliveryTests
{
    private const string Job = "payment-functions";

    [Fact]
    public async Task Each_instance_pushes_to_its_own_shard_only_and_prometheus_scraping_every_shard_counts_the_whole_fleet()
    {
        await using var shard0 = await Gateways.StartAsync();
        await using var shard1 = await Gateways.StartAsync();
        PushgatewayProcess[] shards = [shard0, shard1];
        var url = string.Join(',', shards.Select(s => s.Url.AbsoluteUri));
        var instances = Enumerable.Range(0, 8).Select(i => $"shard-test-{i}").ToList();
        Assert.Equal(2, instances.Select(i => PushShards.Select(i, 2)).Distinct().Count()); // both shards get instances

        var apps = new List<DeliveryApp>();
        try
        {
            for (var i = 0; i < instances.Count; i++)
            {
                var app = await DeliveryApp.StartAsync([("MetricPush:Url", url), ("MetricPush:Instance", instances[i])]);
                apps.Add(app);
                for (var p = 0; p <= i; p++)
                {
                    await app.InvokePaymentAsync();
                }

                Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));
                Assert.Equal(new Uri(shards[PushShards.Select(instances[i], 2)].Url, $"/metrics/job/{Job}/instance/{instances[i]}"), app.Pusher.GroupUrl);
            }

            var texts = new[] { await shard0.ScrapeAsync(), await shard1.ScrapeAsync() };
            for (var i = 0; i < instances.Count; i++)
            {
                var own = PushShards.Select(instances[i], 2);
                Assert.True(texts[own].HasGroup(Job, instances[i]), $"{instances[i]} should be on shard {own}");
                Assert.False(texts[1 - own].HasGroup(Job, instances[i]), $"{instances[i]} should not be on shard {1 - own}");
                Assert.Equal(i + 1, texts[own].Sum("payment_requests_total", ("instance", instances[i])));
            }

            // Prometheus with the repository's configuration, scraping both shards.
            await using var prometheus = await PrometheusProcess.StartAsync(
                Path.Combine(RepoPaths.Root, "deploy", "prometheus", "prometheus.yml"),
                [.. shards.Select(s => $"127.0.0.1:{s.Url.Port}")], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            using var client = new PrometheusQueryClient(new Uri(prometheus.Url, "/"));
            await Poll.UntilAsync(
                async () => await client.ScalarAsync("sum(payment_requests_total{job=\"payment-functions\"})") == 36 // 1 + 2 + ... + 8
                    && await client.ScalarAsync("sum(job:instances_live:count{job=\"payment-functions\"})") == 8,
                Gateways.Deadline,
                "Prometheus counts the 36 payments and the 8 live instances of both shards");
            Assert.Equal(2, await client.ScalarAsync("count(up{job=\"pushgateway\"} == 1)"));
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_starting_instance_removes_its_group_from_every_other_shard()
    {
        await using var shard0 = await Gateways.StartAsync();
        await using var shard1 = await Gateways.StartAsync();
        PushgatewayProcess[] shards = [shard0, shard1];
        const string instance = "moved-instance";
        var own = PushShards.Select(instance, 2);

        // The group a previous shard list left on the other gateway (same instance label).
        await PutAsync(shards[1 - own], $"/metrics/job/{Job}/instance/{instance}");
        await PutAsync(shards[1 - own], $"/metrics/job/{Job}/instance/someone-else");
        Assert.True((await shards[1 - own].ScrapeAsync()).HasGroup(Job, instance));

        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", string.Join(',', shards.Select(s => s.Url.AbsoluteUri))), ("MetricPush:Instance", instance)]);
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));

        var other = await shards[1 - own].ScrapeUntilAsync(t => !t.HasGroup(Job, instance), Gateways.Deadline, $"the other shard no longer holds {instance}'s group");
        Assert.False(other.HasGroup(Job, instance));
        Assert.True(other.HasGroup(Job, "someone-else"));
        Assert.True((await shards[own].ScrapeAsync()).HasGroup(Job, instance));
    }

    [Fact]
    public async Task The_janitor_sweeps_every_shard_and_goes_on_past_one_that_is_down()
    {
        await using var shard0 = await Gateways.StartAsync();
        await using var shard1 = await Gateways.StartAsync();
        var down = new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);

        // An instance of its own on a live shard (on the fake clock a failing push would wait for its retry for ever).
        var self = Enumerable.Range(0, 100).Select(i => $"janitor-self-{i}").First(i => PushShards.Select(i, 3) != 1);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", $"{shard0.Url.AbsoluteUri},{down.AbsoluteUri},{shard1.Url.AbsoluteUri}"), ("MetricPush:Instance", self), ("MetricPush:GroupTtlMinutes", "1"), ("MetricPush:IntervalSeconds", "5")],
            clock);
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));
        await PutAsync(shard0, $"/metrics/job/{Job}/instance/dead-0");
        await PutAsync(shard1, $"/metrics/job/{Job}/instance/dead-1");
        await PutAsync(shard1, "/metrics/job/other-job/instance/dead-1");

        clock.Advance(TimeSpan.FromMinutes(2));
        var deleted = await app.Services.GetRequiredService<PushGroupJanitor>().SweepAsync(CancellationToken.None);

        Assert.Equal(2, deleted);
        var texts = new[] { await shard0.ScrapeAsync(), await shard1.ScrapeAsync() };
        Assert.DoesNotContain(texts, t => t.HasGroup(Job, "dead-0") || t.HasGroup(Job, "dead-1"));
        Assert.Contains(texts, t => t.HasGroup(Job, self));
        Assert.True(texts[1].HasGroup("other-job", "dead-1"));
        Assert.Contains(app.Logs!.GetSnapshot(), r => r.Message.StartsWith($"Metric group janitor could not sweep the Pushgateway {down}", StringComparison.Ordinal));
    }

    private static async Task PutAsync(PushgatewayProcess gateway, string path)
    {
        using var http = new HttpClient();
        using var content = new StringContent("some_metric 1\n", Encoding.UTF8, "text/plain");
        using var response = await http.PutAsync(new Uri(gateway.Url, path), content);
        response.EnsureSuccessStatusCode();
        await gateway.FlushAsync();
    }
}
