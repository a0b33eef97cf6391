using System.Globalization;
using System.Text.RegularExpressions;
using PaymentFunctions.Fleet;
using Xunit.Abstractions;

namespace PaymentFunctions.Alerting.Tests;

/// <summary>
/// A fleet that scales in and out as Flex Consumption does (<see cref="SteadyFleet.Scaling"/>), at the shipped
/// intervals: payments failing above the threshold are one PaymentSuccessRateLow notification, whatever the number of
/// instances, and nothing else.
/// </summary>
public sealed partial class PaymentFailureAlertTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Failing_payments_across_a_churning_fleet_are_one_PaymentSuccessRateLow_notification_with_its_labels_and_annotations()
    {
        await using var stack = await AlertingStack.StartAsync(output);
        using var stop = new CancellationTokenSource();
        var started = DateTimeOffset.UtcNow;
        var fleet = new FleetRunner(TimeProvider.System).RunAsync(SteadyFleet.Scaling("failing", seed: 281), SteadyFleet.Settings(stack.Gateway.Url, failureRate: 0.5), stop.Token);

        var notification = await stack.NotificationAsync(n => n.Status == "firing", TimeSpan.FromMinutes(9), "PaymentSuccessRateLow is notified");
        await stack.WatchAsync(SteadyFleet.ScalingWatchedFor, n => n == notification, "one notification for the whole fleet");
        await SteadyFleet.StopAsync(fleet, stop);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"First payments -> PaymentSuccessRateLow notified: {(notification.ReceivedAt - started).TotalSeconds:F0} s"));
        Assert.Single(stack.Listener.Notifications);
        var alert = Assert.Single(notification.Alerts);
        Assert.Equal(
            new Dictionary<string, string> { ["alertname"] = "PaymentSuccessRateLow", ["job"] = "payment-functions", ["severity"] = "critical" },
            alert.Labels);
        Assert.Equal("Payment success rate below 95 %", alert.Annotations["summary"]);
        var description = SuccessDescription().Match(alert.Annotations["description"]);
        Assert.True(description.Success, alert.Annotations["description"]);
        // Half the payments fail: the share the alert reports is near 50 %, and below the 95 % threshold.
        Assert.InRange(double.Parse(description.Groups[1].Value, CultureInfo.InvariantCulture), 30, 70);
        // For: 5m on a 5-minute window: at the earliest 5 minutes after the first failures.
        Assert.InRange(notification.ReceivedAt - started, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(8));
    }

    [GeneratedRegex(@"^Only (\d+(?:\.\d+)?)% of the payment attempts of payment-functions succeeded over the last 5 minutes\.$")]
    private static partial Regex SuccessDescription();
}
