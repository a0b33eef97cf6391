using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// An instance killed (SIGKILL, out of memory): it makes no final push, so what it did since its last push is lost, at
/// most a second of its payments at the busy cadence; everything before is counted, and its group stays, frozen, until
/// the janitor deletes it (MetricPushStale tells the operator after 5 minutes; deploy/prometheus/tests).
/// </summary>
public sealed class InstanceFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_instance_loses_at_most_what_it_did_since_its_last_push()
    {
        await using var gateway = await PushgatewayProcess.StartAsShippedAsync(Path.Combine(Directory.CreateTempSubdirectory("pushgateway-store-").FullName, "store"));
        await using var prometheus = await PrometheusProcess.StartAsync(Repository.PrometheusConfig, $"127.0.0.1:{gateway.Port}", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var run = new FaultRun(output) { Prometheus = prometheus };

        // The fleet kills one long-lived instance at the fault's moment.
        var outcome = await run.RunAsync("an instance SIGKILL (no final push)", FaultFleet.Plan("killed", killLongLivedAfter: FaultFleet.FaultAt), FaultFleet.Settings(gateway.Url), () =>
        {
            run.Log("the first long-lived instance is killed");
            return Task.CompletedTask;
        });

        Assert.True(outcome.MayLose > 0, "The killed instance made payments in its last push interval.");
        Expect.NothingCountedTwice(outcome);
        Expect.OnlyAlerts(outcome);
    }
}
