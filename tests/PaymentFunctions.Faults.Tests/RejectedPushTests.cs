using System.Text;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// Pushes answered 400 because a metric is inconsistent with what the gateway holds: a gateway running its consistency
/// check (not as shipped: the shipped gateways run without it, docs/metric-changes.md), holding a group of an older app
/// version whose payment_requests_total is a gauge. Every push of the fleet is refused until that group is deleted at
/// 150 s; then the first accepted pushes carry every count since the start, with their created timestamps.
/// </summary>
public sealed class RejectedPushTests(ITestOutputHelper output)
{
    private const double RejectedUntil = 150;

    [Fact]
    public async Task Pushes_refused_with_400_lose_nothing_once_accepted_again_and_page_the_refusal()
    {
        await using var gateway = await PushgatewayProcess.StartAsShippedAsync(
            Path.Combine(Directory.CreateTempSubdirectory("pushgateway-store-").FullName, "store"), 0, PushgatewayProcess.EnableConsistencyCheck);
        using var http = new HttpClient();
        var older = new Uri(gateway.Url, "/metrics/job/payment-functions-previous/instance/old");
        using (var content = new StringContent("# TYPE payment_requests_total gauge\npayment_requests_total 1\n", Encoding.UTF8, "text/plain"))
        using (var pushed = await http.PutAsync(older, content))
        {
            pushed.EnsureSuccessStatusCode();
        }

        await using var prometheus = await PrometheusProcess.StartAsync(Repository.PrometheusConfig, $"127.0.0.1:{gateway.Port}", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var run = new FaultRun(output) { Prometheus = prometheus };
        var outcome = await run.RunAsync("pushes answered 400 (an inconsistent metric) until 150 s", FaultFleet.Plan("rejected"), FaultFleet.Settings(gateway.Url), async () =>
        {
            await run.UntilAsync(RejectedUntil);
            using var deleted = await http.DeleteAsync(older);
            deleted.EnsureSuccessStatusCode();
            run.Log("the older version's group deleted: pushes are accepted again");
        }, blackout: (0, RejectedUntil));

        Expect.NothingCountedTwice(outcome);
        Expect.PanelRightWithin(outcome, RejectedUntil - FaultFleet.FaultAt.TotalSeconds + 10);
        Expect.OnlyAlerts(outcome, "MetricPushRejected", "MetricPushFailing", "MetricPushAbsent");
        Assert.Contains("MetricPushRejected", outcome.Alerts.Keys);
    }
}
