using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// The gateway unreachable from the instances for 80 s (every push times out), longer than the back-off cap (15 s),
/// while Prometheus still scrapes it: the panel reads low while the instances' values cannot arrive, every count arrives
/// with the first pushes after, nothing is counted twice, and MetricPushFailing tells the operator.
/// </summary>
public sealed class NetworkFaultTests(ITestOutputHelper output)
{
    private const double OutageSeconds = 80;

    [Fact]
    public async Task A_gateway_unreachable_longer_than_the_back_off_cap_loses_nothing_and_pages_push_failures()
    {
        await using var gateway = await PushgatewayProcess.StartAsShippedAsync(Path.Combine(Directory.CreateTempSubdirectory("pushgateway-store-").FullName, "store"));
        await using var relay = new TcpRelay(gateway.Url);
        await using var prometheus = await PrometheusProcess.StartAsync(Repository.PrometheusConfig, $"127.0.0.1:{gateway.Port}", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var run = new FaultRun(output) { Prometheus = prometheus };

        var outcome = await run.RunAsync("the gateway unreachable from the instances for 80 s", FaultFleet.Plan("unreachable"), FaultFleet.Settings(relay.Url), async () =>
        {
            relay.Blackhole();
            run.Log("pushes blackholed");
            await run.UntilAsync(FaultFleet.FaultAt.TotalSeconds + OutageSeconds);
            relay.Restore();
            run.Log("pushes pass again");
        }, blackout: (FaultFleet.FaultAt.TotalSeconds, FaultFleet.FaultAt.TotalSeconds + OutageSeconds));

        Expect.NothingCountedTwice(outcome);
        // Low while nothing arrives, and after it until the instances' pushes are back near their pace: the first comes
        // when the stretched interval (at most the 15 s cap) has passed, and each fast push takes a quarter off the
        // interval (15, 11, 8.4, 6.3 s ...), so the panel lags by up to the current interval for about 40 s.
        Expect.PanelRightWithin(outcome, OutageSeconds + 45);
        Assert.True(outcome.UnderUntil > 0, "The panel should read low while no push arrives.");
        Expect.OnlyAlerts(outcome, "MetricPushFailing");
        Assert.Contains("MetricPushFailing", outcome.Alerts.Keys);
    }
}
