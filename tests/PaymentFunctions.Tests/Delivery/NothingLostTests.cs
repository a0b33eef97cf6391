using System.Net;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Point 3: counters are cumulative per instance, so an outage loses nothing; a persistent gateway keeps groups across restarts.</summary>
public sealed class NothingLostTests
{
    [Fact]
    public async Task Payments_spread_over_a_gateway_outage_arrive_with_exact_totals()
    {
        var gateway = await Gateways.StartAsync();
        var port = gateway.Port;
        try
        {
            await using var app = await DeliveryApp.StartAsync(gateway.Url);
            await PayAsync(app, 10);
            await gateway.ScrapeUntilAsync(t => t.ValueOrZero("payment_requests_total", ("instance", "test-instance")) == 10, Gateways.Deadline, "the gateway holds the first 10 payments");

            // Outage: the gateway dies with everything it held; 15 payments are counted meanwhile.
            await gateway.DisposeAsync();
            await PayAsync(app, 15);
            await Poll.UntilAsync(() => app.ScrapeRegistryAsync().Result.ValueOrZero("metric_push_failures_total", ("reason", "connection")) >= 1);

            gateway = await Gateways.StartAsync(port);
            await PayAsync(app, 5);

            var text = await gateway.ScrapeUntilAsync(t => t.ValueOrZero("payment_requests_total", ("instance", "test-instance")) == 30, Gateways.Deadline, "the gateway holds all 30 payments");
            Assert.Equal(30, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
            Assert.Equal(30, text.Sum("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")));
            Assert.Equal(30 * 50, text.Sum("payment_amount_usd_sum", ("instance", "test-instance")));
            Assert.Equal(30, text.Sum("payment_duration_seconds_count", ("instance", "test-instance")));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Groups_survive_a_gateway_restart_with_a_persistence_file()
    {
        var directory = Directory.CreateTempSubdirectory("pushgateway-persistence-");
        var file = Path.Combine(directory.FullName, "pushgateway.data");
        try
        {
            int port;
            await using (var gateway = await PushgatewayProcess.StartAsync($"--persistence.file={file}"))
            {
                port = gateway.Port;
                await using var app = await DeliveryApp.StartAsync(gateway.Url);
                await PayAsync(app, 12);
                Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));

                // SIGTERM: the gateway writes its persistence file on the way out.
                await gateway.StopGracefullyAsync(TimeSpan.FromSeconds(10));
            }

            await using var restarted = await PushgatewayProcess.StartAsync(port, $"--persistence.file={file}");
            var text = await restarted.ScrapeAsync();
            Assert.True(text.HasGroup("payment-functions", "test-instance"));
            Assert.Equal(12, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
            Assert.Equal(12, text.Sum("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task PayAsync(DeliveryApp app, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.InvokePaymentAsync()).Response.StatusCode);
        }
    }
}
