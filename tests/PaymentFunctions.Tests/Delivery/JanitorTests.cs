using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Point 4: the janitor expires this job's stale groups through the Pushgateway API, and nothing else.</summary>
public sealed class JanitorTests
{
    private const string Job = "payment-functions";

    [Fact]
    public async Task The_janitor_deletes_this_jobs_stale_groups_and_keeps_live_instances_other_jobs_and_its_own_group()
    {
        await using var gateway = await Gateways.StartAsync();
        using var http = new HttpClient();

        // The janitor's own instance's group is pushed first: by push time it is the oldest group, and must still stay.
        await PutAsync(http, gateway, $"/metrics/job/{Job}/instance/janitor-self");
        await PutAsync(http, gateway, $"/metrics/job/{Job}/instance/dead-1");
        await PutAsync(http, gateway, $"/metrics/job/{Job}/instance@base64/{B64("pod/7")}/zone/eu");
        await PutAsync(http, gateway, "/metrics/job/other-job/instance/dead-1");
        var pushed = await gateway.ScrapeAsync();
        var own = PushTime(pushed, "janitor-self", Job);
        var stale = Math.Max(PushTime(pushed, "dead-1", Job), PushTime(pushed, "pod/7", Job)); // the younger of the two

        // The live instance pushes strictly later than the stale ones.
        double live;
        do
        {
            await PutAsync(http, gateway, $"/metrics/job/{Job}/instance/live-1");
            live = PushTime(await gateway.ScrapeAsync(), "live-1", Job);
        }
        while (live <= stale);

        // The app starts at: the stale groups' push time + TTL (1 min) + half the gap: stale ones are past the TTL, the
        // live one is not. Its fake clock stands still, so its own pusher never pushes (its first heartbeat is 20 s
        // away): its group stays as stale as it is, and only the own-group rule keeps it.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(stale + 60 + ((live - stale) / 2)));
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:Instance", "janitor-self"), ("MetricPush:GroupTtlMinutes", "1"), ("MetricPush:IntervalSeconds", "20")],
            clock);
        var deleted = await app.Services.GetRequiredService<PushGroupJanitor>().SweepAsync(CancellationToken.None);

        var text = await gateway.ScrapeAsync();
        Assert.Equal(2, deleted);
        Assert.False(text.HasGroup(Job, "dead-1"));
        Assert.False(text.HasGroup(Job, "pod/7"));
        Assert.True(text.HasGroup(Job, "live-1"));
        Assert.True(text.HasGroup(Job, "janitor-self"));
        Assert.Equal(own, PushTime(text, "janitor-self", Job)); // kept as the stale group it is, not re-pushed
        Assert.True(text.HasGroup("other-job", "dead-1"));
    }

    [Fact]
    public async Task The_janitor_logs_and_returns_when_the_gateway_is_down()
    {
        await using var app = await DeliveryApp.StartAsync(new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}"));

        var deleted = await app.Services.GetRequiredService<PushGroupJanitor>().SweepAsync(CancellationToken.None);

        Assert.Equal(0, deleted);
        Assert.Contains(app.Logs!.GetSnapshot(), r => r.Message.StartsWith("Metric group janitor could not sweep", StringComparison.Ordinal));
    }

    [Fact]
    public void The_janitor_function_runs_on_the_schedule_app_setting()
    {
        var method = typeof(MetricJanitorFunction).GetMethod(nameof(MetricJanitorFunction.ExpireStaleMetricGroups))!;
        var trigger = method.GetParameters()[0].GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.TimerTriggerAttribute), false)
            .Cast<Microsoft.Azure.Functions.Worker.TimerTriggerAttribute>().Single();
        Assert.Equal("%MetricJanitorSchedule%", trigger.Schedule);
    }

    private static async Task PutAsync(HttpClient http, PushgatewayProcess gateway, string path)
    {
        using var content = new StringContent("some_metric 1\n", Encoding.UTF8, "text/plain");
        using var response = await http.PutAsync(new Uri(gateway.Url, path), content);
        response.EnsureSuccessStatusCode();
    }

    private static double PushTime(PrometheusText text, string instance, string job) =>
        text.Value("push_time_seconds", ("job", job), ("instance", instance));

    private static string B64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');
}
