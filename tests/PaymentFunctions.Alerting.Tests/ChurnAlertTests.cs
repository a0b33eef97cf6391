using PaymentFunctions.Fleet;
using Xunit.Abstractions;

namespace PaymentFunctions.Alerting.Tests;

/// <summary>
/// A fleet's normal churn (<see cref="SteadyFleet.Scaling"/>: instances starting and stopping gracefully while payments
/// run), at the shipped intervals, is no notification at all.
/// </summary>
public sealed class ChurnAlertTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_churning_fleet_with_healthy_payments_is_no_notification_at_all()
    {
        await using var stack = await AlertingStack.StartAsync(output);
        using var stop = new CancellationTokenSource();
        var fleet = new FleetRunner(TimeProvider.System).RunAsync(SteadyFleet.Scaling("churning", seed: 282), SteadyFleet.Settings(stack.Gateway.Url, failureRate: 0), stop.Token);

        await stack.WatchAsync(SteadyFleet.ScalingWatchedFor, _ => false, "instances that stop gracefully are not a fault");
        var stopped = await stack.Prometheus.QueryAsync("count(metric_push_final_timestamp_seconds{job=\"payment-functions\"} > 0)");
        await SteadyFleet.StopAsync(fleet, stop);

        Assert.Empty(stack.Listener.Notifications);
        // The churn happened: instances stopped with their final push while the others paid on.
        Assert.True(stopped.SingleOrDefault()?.Value >= 5, "At least five instances should have stopped gracefully by 11 min.");
    }
}
