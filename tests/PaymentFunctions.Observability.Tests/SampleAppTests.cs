using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// Proof that the push library stands on its own: the sample Orders app (its own counter and histogram, the ASP.NET Core
/// integration with <c>IActionResult</c>, no payment code), built from the packed package outside the repository
/// (<see cref="PackagedSample"/>), runs under the real Functions host and pushes to a real Pushgateway scraped by a real
/// Prometheus with created-timestamp ingestion.
/// </summary>
public sealed class SampleAppTests(PackagedSample sample) : IClassFixture<PackagedSample>
{
    private const string Job = "orders-sample";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(0.25);

    [HostFact]
    public async Task The_sample_built_from_the_package_pushes_only_its_own_metrics_as_protobuf_with_created_timestamps_and_Prometheus_counts_them_exactly()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"), $"127.0.0.1:{gateway.Url.Port}", ScrapeInterval, ScrapeInterval);
        await Poll.UntilAsync(async () => (await prometheus.QueryAsync("up{job=\"pushgateway\"} == 1")).Count == 1, Deadline, "Prometheus scrapes the gateway");
        var started = DateTimeOffset.UtcNow;

        // Only the URL is set: the job is the Function App's name, the instance the machine and the worker's process.
        await using var host = await FunctionsHostProcess.StartAsync(sample.AppDirectory, new Dictionary<string, string>
        {
            ["PrometheusPush__Url"] = gateway.Url.ToString(),
            ["WEBSITE_SITE_NAME"] = Job,
        });
        var orders = new[] { ("web", 20.0), ("web", 60.0), ("web", 600.0), ("mobile", 5.0) };
        foreach (var (channel, amount) in orders)
        {
            var (status, contentType, _) = await host.PostJsonAsync("/api/orders", string.Create(CultureInfo.InvariantCulture, $$"""{"channel":"{{channel}}","amount":{{amount}}}"""));
            Assert.Equal((200, "application/json"), (status, contentType));
        }

        var refused = await host.PostJsonAsync("/api/orders", """{"channel":"fax","amount":0}""");
        Assert.Equal((400, "application/problem+json"), (refused.Status, refused.ContentType));
        using (var problem = JsonDocument.Parse(refused.Body))
        {
            Assert.Equal(["amount", "channel"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        }

        // The gateway: the sample's own families under its job, the 400 counted as a client error although the result is
        // executed after the middleware returned, and nothing the app did not declare.
        var text = await gateway.ScrapeUntilAsync(
            t => t.Sum("orders_placed_total", ("job", Job)) == 4
                && t.ValueOrZero("function_invocations_total", ("job", Job), ("function", "PlaceOrder"), ("outcome", "client_error")) == 1,
            Deadline, "the gateway holds the four orders and the refused one");
        var instance = Assert.Single(text.LabelValues("orders_placed_total", "instance"));
        Assert.Matches($"^{Environment.MachineName}-[0-9]+$", instance);
        Assert.Equal(3, text.Value("orders_placed_total", ("job", Job), ("channel", "web")));
        Assert.Equal(1, text.Value("orders_placed_total", ("job", Job), ("channel", "mobile")));
        Assert.Equal(4, text.Value("order_amount_dollars_count", ("job", Job)));
        Assert.Equal(685, text.Value("order_amount_dollars_sum", ("job", Job)));
        Assert.Equal(2, text.Value("order_amount_dollars_bucket", ("job", Job), ("le", "50")));
        Assert.Equal(4, text.Value("function_invocations_total", ("job", Job), ("function", "PlaceOrder"), ("outcome", "success")));
        Assert.Equal(0, text.Value("function_invocations_total", ("job", Job), ("function", "PlaceOrder"), ("outcome", "failure")));
        var families = text.Samples.Where(s => s.Labels.GetValueOrDefault("job") == Job).Select(s => s.Name).ToHashSet();
        string[] pushed =
        [
            "orders_placed_total", "order_amount_dollars_bucket", "order_amount_dollars_sum", "order_amount_dollars_count",
            "function_invocations_total", "function_duration_seconds_bucket", "function_duration_seconds_sum", "function_duration_seconds_count",
            "function_cold_starts_total", "metric_push_last_success_timestamp_seconds", "metric_push_duration_seconds_bucket",
            "metric_push_duration_seconds_sum", "metric_push_duration_seconds_count", "metric_push_final_timestamp_seconds",
            "process_start_time_seconds",
            "push_time_seconds", "push_failure_time_seconds", // the gateway's own, per group
        ];
        Assert.Equal(pushed.Order(StringComparer.Ordinal), families.Order(StringComparer.Ordinal));

        // Protobuf with created timestamps: every counter and histogram series carries the time it was created.
        var created = PushedBody.CreatedTimestamps(await PushedBody.ScrapeProtobufAsync(gateway.Url))
            .Where(c => c.Labels.GetValueOrDefault("job") == Job && c.Family is "orders_placed_total" or "order_amount_dollars").ToList();
        Assert.Equal(3, created.Count);
        Assert.All(created, c => Assert.InRange(c.Created ?? DateTimeOffset.MinValue, started, DateTimeOffset.UtcNow));

        // Prometheus: the raw counts exactly, and the zero sample at the created time that lets increase() count from zero.
        var selector = $"job=\"{Job}\",instance=\"{instance}\"";
        await Poll.UntilAsync(async () => Only(await prometheus.QueryAsync($"sum(orders_placed_total{{{selector}}})")) == 4, Deadline, "Prometheus scraped the four orders");
        Assert.Equal(3, Only(await prometheus.QueryAsync($"orders_placed_total{{{selector},channel=\"web\"}}")));
        Assert.Equal(4, Only(await prometheus.QueryAsync($"order_amount_dollars_count{{{selector}}}")));
        var web = created.Single(c => c.Family == "orders_placed_total" && c.Labels["channel"] == "web").Created!.Value;
        var first = (await prometheus.GetDataAsync($"/api/v1/query?query={Uri.EscapeDataString($"orders_placed_total{{{selector},channel=\"web\"}}[10m]")}"))
            .GetProperty("result")[0].GetProperty("values")[0];
        Assert.Equal(web.ToUnixTimeMilliseconds() / 1000.0, first[0].GetDouble(), 3);
        Assert.Equal("0", first[1].GetString());
    }

    [HostFact]
    public async Task On_SIGTERM_the_sample_makes_its_final_push_with_every_count_and_no_failure()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        var host = await FunctionsHostProcess.StartAsync(sample.AppDirectory, new Dictionary<string, string>
        {
            ["PrometheusPush__Url"] = gateway.Url.ToString(),
            ["PrometheusPush__Job"] = "orders-stopping",
            ["PrometheusPush__Instance"] = "orders-1",
            ["PrometheusPush__IntervalSeconds"] = "3600",
            ["PrometheusPush__MinIntervalSeconds"] = "3600",
        });
        await using (host)
        {
            // One push an hour at most: the first order's push goes out, the later orders wait for the final push.
            Assert.Equal(200, (await host.PostJsonAsync("/api/orders", """{"channel":"web","amount":10}""")).Status);
            await gateway.ScrapeUntilAsync(t => t.ValueOrZero("orders_placed_total", ("instance", "orders-1"), ("channel", "web")) == 1, Deadline, "the first push landed");
            Assert.Equal(200, (await host.PostJsonAsync("/api/orders", """{"channel":"mobile","amount":10}""")).Status);
            Assert.Equal(200, (await host.PostJsonAsync("/api/orders", """{"channel":"mobile","amount":10}""")).Status);

            var stopping = Stopwatch.StartNew();
            await host.StopGracefullyAsync(TimeSpan.FromSeconds(20));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the host took {stopping.Elapsed} to stop");
        }

        var text = await gateway.ScrapeAsync();
        Assert.Equal(2, text.Value("orders_placed_total", ("job", "orders-stopping"), ("instance", "orders-1"), ("channel", "mobile")));
        Assert.Equal(3, text.Value("function_invocations_total", ("instance", "orders-1"), ("function", "PlaceOrder"), ("outcome", "success")));
        Assert.True(text.Value("metric_push_final_timestamp_seconds", ("instance", "orders-1")) > 0, "the final push marks itself");
        Assert.Equal(0, text.Sum("metric_push_failures_total", ("instance", "orders-1")));
        Assert.DoesNotContain("are failing", host.Output, StringComparison.Ordinal);
    }

    private static double? Only(IReadOnlyList<PromSeries> result) => result.Count == 1 ? result[0].Value : null;
}
