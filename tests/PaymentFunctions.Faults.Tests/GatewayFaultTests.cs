using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>
/// The Pushgateway crashed (SIGKILL: out of memory, a lost node) or restarted (SIGTERM: a new revision), run as shipped
/// through <c>deploy/pushgateway/start.sh</c>: a crash discards the groups and live instances push them again with their
/// created timestamps; a clean restart restores them exactly. Neither counts anything twice. Beside them, the gateway as
/// it was shipped before (a persistence file written every interval, restored after a crash) counts live instances twice.
/// </summary>
public sealed class GatewayFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_crashed_gateway_started_again_counts_nothing_twice_and_raises_no_alert()
    {
        var store = Store();
        var gateway = await PushgatewayProcess.StartAsShippedAsync(store);
        await using var prometheus = await StartPrometheusAsync(gateway);
        try
        {
            var run = new FaultRun(output) { Prometheus = prometheus };
            var outcome = await run.RunAsync("gateway SIGKILL, started again at once", FaultFleet.Plan("crash"), FaultFleet.Settings(gateway.Url), async () =>
            {
                await gateway.StopAsync();
                gateway = await PushgatewayProcess.StartAsShippedAsync(store, gateway.Port);
                run.Log("gateway killed and started again (its file discarded)");
            });

            Expect.NothingCountedTwice(outcome);
            Expect.PanelRightWithin(outcome, 10);
            Expect.OnlyAlerts(outcome, "PushgatewayDown");
            Assert.Contains("the last run did not stop cleanly", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_gateway_restarted_cleanly_is_restored_exactly()
    {
        var store = Store();
        var gateway = await PushgatewayProcess.StartAsShippedAsync(store);
        await using var prometheus = await StartPrometheusAsync(gateway);
        try
        {
            var run = new FaultRun(output) { Prometheus = prometheus };
            var outcome = await run.RunAsync("gateway SIGTERM, started again at once", FaultFleet.Plan("restart"), FaultFleet.Settings(gateway.Url), async () =>
            {
                await gateway.StopGracefullyAsync(TimeSpan.FromSeconds(30));
                gateway = await PushgatewayProcess.StartAsShippedAsync(store, gateway.Port);
                run.Log("gateway stopped cleanly and started again from its file");
            });

            Expect.NothingCountedTwice(outcome);
            Expect.PanelRightWithin(outcome, 10);
            Expect.OnlyAlerts(outcome, "PushgatewayDown");
            Assert.DoesNotContain("did not stop cleanly", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_of_two_shards_crashed_counts_nothing_twice()
    {
        var stores = new[] { Store(), Store() };
        var shards = new[] { await PushgatewayProcess.StartAsShippedAsync(stores[0]), await PushgatewayProcess.StartAsShippedAsync(stores[1]) };
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PrometheusConfig, [.. shards.Select(s => $"127.0.0.1:{s.Port}")], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            var run = new FaultRun(output) { Prometheus = prometheus };
            var outcome = await run.RunAsync("one of two shards SIGKILL, started again at once", FaultFleet.Plan("shard"), FaultFleet.Settings(shards[0].Url, shards[1].Url), async () =>
            {
                await shards[1].StopAsync();
                shards[1] = await PushgatewayProcess.StartAsShippedAsync(stores[1], shards[1].Port);
                run.Log("the second shard killed and started again");
            });

            Expect.NothingCountedTwice(outcome);
            Expect.PanelRightWithin(outcome, 10);
            Expect.OnlyAlerts(outcome, "PushgatewayDown");
        }
        finally
        {
            foreach (var shard in shards)
            {
                await shard.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// What <c>start.sh</c> prevents, and that this suite sees it: a gateway writing its file every 45 s (about 40 s into
    /// the run, next due at about 85 s), killed at 60 s and restored from that file, serves every live instance's
    /// counters about 20 s lower than Prometheus scraped until the instances push again; here their pushes pass again
    /// 3 s after the restart (as after a failed push and its back-off), so Prometheus scrapes the restored values and
    /// reads resets: it counts those counters again.
    /// </summary>
    [Fact]
    public async Task A_gateway_restoring_its_periodic_file_after_a_crash_counts_the_live_instances_twice()
    {
        var store = Store();
        string[] periodic = [$"--persistence.file={store}", "--persistence.interval=45s"];
        var gateway = await PushgatewayProcess.StartAsync(periodic);
        await using var relay = new TcpRelay(gateway.Url);
        await using var prometheus = await StartPrometheusAsync(gateway);
        try
        {
            var run = new FaultRun(output) { Prometheus = prometheus };
            var outcome = await run.RunAsync("gateway SIGKILL, restored from a file written every 45 s", FaultFleet.Plan("periodic"), FaultFleet.Settings(relay.Url), async () =>
            {
                relay.Blackhole();
                await gateway.StopAsync();
                gateway = await PushgatewayProcess.StartAsync(gateway.Port, periodic);
                run.Log("gateway killed and started again from its last periodic file; pushes held back 3 s");
                await run.UntilAsync(FaultFleet.FaultAt.TotalSeconds + 3);
                relay.Restore();
            });

            Assert.True(outcome.CountError > 0.05, $"A restored periodic file should count live instances twice: {outcome.Summary()}");
            Assert.True(outcome.WorstOver > 0.05, $"The panel should read above the truth: {outcome.Summary()}");
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    private static Task<PrometheusProcess> StartPrometheusAsync(PushgatewayProcess gateway) =>
        PrometheusProcess.StartAsync(Repository.PrometheusConfig, $"127.0.0.1:{gateway.Port}", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    private static string Store() => Path.Combine(Directory.CreateTempSubdirectory("pushgateway-store-").FullName, "store");
}
