using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// Prometheus killed (SIGKILL) and started again 15 s later on its own disk: it replays its write-ahead log, the
/// counters go on where they were, and the panel is right again at its first evaluation.
/// </summary>
public sealed class PrometheusFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_Prometheus_started_again_on_its_disk_counts_nothing_twice_and_raises_no_alert()
    {
        await using var gateway = await PushgatewayProcess.StartAsShippedAsync(Path.Combine(Directory.CreateTempSubdirectory("pushgateway-store-").FullName, "store"));
        var prometheus = await PrometheusProcess.StartAsync(Repository.PrometheusConfig, $"127.0.0.1:{gateway.Port}", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            var run = new FaultRun(output) { Prometheus = prometheus };
            var outcome = await run.RunAsync("Prometheus SIGKILL, started again 15 s later", FaultFleet.Plan("prometheus"), FaultFleet.Settings(gateway.Url), async () =>
            {
                await prometheus.StopAsync();
                run.Log("Prometheus killed");
                await run.UntilAsync(FaultFleet.FaultAt.TotalSeconds + 15);
                prometheus = await prometheus.RestartAsync();
                run.Prometheus = prometheus;
                run.Log("Prometheus started again on its TSDB");
            });

            Expect.NothingCountedTwice(outcome);
            // No reads while Prometheus is down; right again within seconds of the restart.
            Expect.PanelRightWithin(outcome, 15 + 10);
            Expect.OnlyAlerts(outcome, "PushgatewayDown");
        }
        finally
        {
            await prometheus.DisposeAsync();
        }
    }
}
