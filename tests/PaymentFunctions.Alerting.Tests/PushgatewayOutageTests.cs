using System.Globalization;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Alerting.Tests;

/// <summary>
/// One fault, one notification: the Pushgateway stopped under a live fleet, at the shipped intervals, gives one
/// PushgatewayDown notification and its resolution, and nothing per instance, neither during the outage nor in the
/// 15 minutes after it, although every instance's pushes failed and its failure counters arrived after it.
/// </summary>
public sealed class PushgatewayOutageTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";
    private const int Instances = 3;

    /// <summary>How long after the gateway is back nothing else may arrive: the failure window (10 min) and more.</summary>
    private static readonly TimeSpan QuietAfterRecovery = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task A_stopped_Pushgateway_is_one_PushgatewayDown_notification_then_its_resolution_and_nothing_per_instance_for_15_minutes_after()
    {
        await using var stack = await AlertingStack.StartAsync(output);
        using var stop = new CancellationTokenSource();
        // Instances that live through the outage and the quiet time after it, every payment succeeding.
        var plan = SteadyFleet.Of("outage", Enumerable.Repeat((TimeSpan.Zero, TimeSpan.FromMinutes(30)), Instances), seed: 28);
        var fleet = new FleetRunner(TimeProvider.System).RunAsync(plan, SteadyFleet.Settings(stack.Gateway.Url, failureRate: 0), stop.Token);

        await Poll.UntilAsync(
            async () => await ValueAsync(stack, $"count(push_time_seconds{{job=\"{Job}\"}})") == Instances,
            TimeSpan.FromMinutes(1),
            "Prometheus scraped every instance's group");
        stack.Log("Every instance's group scraped");

        var stoppedAt = DateTimeOffset.UtcNow;
        await stack.StopGatewayAsync();
        var firing = await stack.NotificationAsync(n => n.Status == "firing", TimeSpan.FromMinutes(5), "PushgatewayDown is notified");
        var toFiring = firing.ReceivedAt - stoppedAt;

        await stack.RestartGatewayAsync();
        var recoveredAt = DateTimeOffset.UtcNow;
        var recovered = stack.Elapsed;
        var resolved = await stack.NotificationAsync(n => n.Status == "resolved", TimeSpan.FromMinutes(7), "PushgatewayDown's resolution is notified");
        var toResolved = resolved.ReceivedAt - recoveredAt;

        // The storm the rules hold back: every instance's pushes failed during the outage, and those failures reached
        // Prometheus with the first pushes after it.
        await Poll.UntilAsync(
            async () => await ValueAsync(stack, $"count(sum by (instance) (metric_push_failures_total{{job=\"{Job}\"}}) > 0)") == Instances,
            TimeSpan.FromMinutes(1),
            "every instance's push failures of the outage reached Prometheus");
        stack.Log("Every instance's push failures of the outage are in Prometheus");

        await stack.WatchAsync(recovered + QuietAfterRecovery, n => n == firing || n == resolved, "nothing but PushgatewayDown and its resolution");
        await SteadyFleet.StopAsync(fleet, stop);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Gateway stopped -> PushgatewayDown notified: {toFiring.TotalSeconds:F0} s; gateway back -> resolved notified: {toResolved.TotalSeconds:F0} s"));
        Assert.Equal(2, stack.Listener.Notifications.Count);
        AssertPushgatewayDown(firing, "firing", stack.GatewayTarget);
        AssertPushgatewayDown(resolved, "resolved", stack.GatewayTarget);
        // At the shipped intervals: up == 0 at the next scrape (15 s), pending at the next evaluation (15 s), firing after
        // for: 2m, then Alertmanager's group_wait for critical alerts (10 s).
        Assert.InRange(toFiring, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3.5));
    }

    private static void AssertPushgatewayDown(WebhookNotification notification, string status, string target)
    {
        Assert.Equal(status, notification.Status);
        var alert = Assert.Single(notification.Alerts);
        Assert.Equal(status, alert.Status);
        Assert.Equal(
            new Dictionary<string, string> { ["alertname"] = "PushgatewayDown", ["job"] = "pushgateway", ["instance"] = target, ["severity"] = "critical" },
            alert.Labels);
        Assert.Equal("Prometheus cannot scrape the Pushgateway", alert.Annotations["summary"]);
        Assert.Equal(
            $"No metric of the function instances that push to {target} reaches Prometheus while it is down (with shards, the instances whose id hashes to it).",
            alert.Annotations["description"]);
        Assert.Equal("on-call", notification.Body.GetProperty("receiver").GetString());
    }

    private static async Task<double?> ValueAsync(AlertingStack stack, string query) =>
        (await stack.Prometheus.QueryAsync(query)).SingleOrDefault()?.Value;
}
