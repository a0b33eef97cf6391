using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Payments;

/// <summary>
/// The simulated pool breathes with the payments in flight, so database_connections_active (and the alert on
/// it, above 90 % of database_connections_max) means something: the seed's 15 at rest, one more per payment waiting
/// for the gateway up to the seed's 20, back to 15 when the load is over. No sleeps: the gateway holds each payment
/// until the test releases it.
/// </summary>
public sealed class ConnectionPoolTests
{
    private const string Pool = "database_connections_active";

    [Fact]
    public async Task The_pool_gauge_is_the_baseline_idle_rises_with_payments_in_flight_up_to_the_maximum_and_returns_after_the_load()
    {
        var gateway = new HeldGateway();
        using var app = TestApp.Create(services => services.AddSingleton<IPaymentGateway>(gateway));

        // Start-up, as the pusher runs it before its first push: the idle instance shows its baseline.
        app.Services.GetRequiredService<PushRegistration>().CreateSeries(app.Services);

        var seen = new List<double> { await ActiveAsync(app) };

        // Load: payments arrive one by one and wait at the gateway.
        var payments = new List<Task<TestHttpResponseData>>();
        for (var i = 1; i <= 6; i++)
        {
            payments.Add(app.PostPaymentAsync(Payment($"order_{i}"), $"invocation-{i}"));
            await gateway.ArrivedAsync($"order_{i}");
            seen.Add(await ActiveAsync(app));
        }

        // The load ends: each payment gives its connection back when it ends, succeeded or failed.
        for (var i = 1; i <= 6; i++)
        {
            if (i == 3)
            {
                gateway.Fail("order_3", new GatewayTimeoutException("held timeout"));
            }
            else
            {
                gateway.Release($"order_{i}");
            }

            var response = await payments[i - 1];
            Assert.Equal(i == 3 ? HttpStatusCode.GatewayTimeout : HttpStatusCode.OK, response.StatusCode);
            seen.Add(await ActiveAsync(app));
        }

        // idle | 1..6 in flight (16, 17, 18, 19 = 95 % of 20, then capped at 20) | 5..0 in flight: back to the baseline.
        Assert.Equal([15, 16, 17, 18, 19, 20, 20, 20, 19, 18, 17, 16, 15], seen);
        Assert.Equal(20, (await app.ScrapeAsync()).Value("database_connections_max", ("database", "payment_db"), ("pool", "main_pool")));
    }

    [Fact]
    public async Task A_cancelled_payment_gives_its_connection_back()
    {
        var gateway = new HeldGateway();
        using var app = TestApp.Create(services => services.AddSingleton<IPaymentGateway>(gateway));
        var payments = app.Services.GetRequiredService<PaymentService>();
        using var cancel = new CancellationTokenSource();

        var payment = payments.ProcessAsync(new PaymentRequest("order_c", "user_1", 50m, "USD", "standard", "credit_card"), "invocation-c", cancel.Token);
        await gateway.ArrivedAsync("order_c");
        Assert.Equal(16, await ActiveAsync(app));
        gateway.Fail("order_c", new OperationCanceledException(cancel.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => payment);
        Assert.Equal(15, await ActiveAsync(app));
    }

    /// <summary>
    /// paymentload itself (its command, closed model, seed mix) against the real payment function in-process, with 4
    /// workers. The gateway answers in batches of 4: each batch is released only once all 4 payments wait in it, so the
    /// gauge is read with exactly 4 payments in flight, whatever the scheduling.
    /// </summary>
    [Fact]
    public async Task Under_paymentload_with_4_workers_the_pool_is_above_90_percent_and_back_at_the_baseline_after()
    {
        const int Workers = 4;
        const int Requests = 5 * Workers;
        var gateway = new BatchGateway(Workers);
        using var app = TestApp.Create(services => services.AddSingleton<IPaymentGateway>(gateway));
        app.Services.GetRequiredService<PaymentService>(); // the pool, at its baseline
        gateway.Gauge = () => app.Metrics.DatabaseConnectionsActive.WithLabels("payment_db", "main_pool").Value;
        var idle = await ActiveAsync(app);

        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new LoadGenerator.CliContext(output, error, _ => null, ErrorIsTerminal: false, TimeProvider.System, new FunctionHandler(app));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exit = await LoadGenerator.LoadGeneratorCli.RunAsync(
            ["--url", "http://127.0.0.1:7071/api/payments", "--concurrency", $"{Workers}", "--requests", $"{Requests}", "--seed", "7", "--json"],
            context,
            timeout.Token);

        Assert.True(exit == 0, error.ToString());
        using var summary = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal(Requests, summary.RootElement.GetProperty("statusCodes").GetProperty("200").GetInt32());
        Assert.Equal(15, idle);
        Assert.Equal(Enumerable.Repeat(19.0, Requests / Workers), gateway.AtFullBatch); // 19 of 20: 95 %
        Assert.Equal(15, await ActiveAsync(app));
    }

    private static string Payment(string orderId) =>
        $$"""{"orderId":"{{orderId}}","userId":"user_1","amount":50.0,"currency":"USD"}""";

    private static async Task<double> ActiveAsync(TestApp app) =>
        (await app.ScrapeAsync()).Value(Pool, ("database", "payment_db"), ("pool", "main_pool"));

    /// <summary>Sends paymentload's requests to the payment function in-process instead of over the network.</summary>
    private sealed class FunctionHandler(TestApp app) : HttpMessageHandler
    {
        private int _invocations;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var response = await app.PostPaymentAsync(body, $"load-{Interlocked.Increment(ref _invocations)}");
            return new HttpResponseMessage(response.StatusCode) { Content = new StringContent(response.BodyText()), RequestMessage = request };
        }
    }

    /// <summary>Holds charges until <c>size</c> of them wait, notes the pool gauge at that moment, then answers them all.</summary>
    private sealed class BatchGateway(int size) : IPaymentGateway
    {
        private readonly Lock _gate = new();
        private List<TaskCompletionSource<string>> _waiting = [];

        public string Name => "stripe";

        public Func<double> Gauge { get; set; } = () => double.NaN;

        public ConcurrentQueue<double> AtFullBatch { get; } = new();

        public Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            var charge = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            List<TaskCompletionSource<string>>? full = null;
            lock (_gate)
            {
                _waiting.Add(charge);
                if (_waiting.Count == size)
                {
                    AtFullBatch.Enqueue(Gauge());
                    (full, _waiting) = (_waiting, []);
                }
            }

            foreach (var waiting in full ?? [])
            {
                waiting.SetResult("txn_" + request.OrderId);
            }

            // A batch that never fills (a bug) fails its payments instead of hanging the test.
            return charge.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
        }
    }

    /// <summary>A gateway that holds every charge until the test releases or fails it, and says when one arrived.</summary>
    private sealed class HeldGateway : IPaymentGateway
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _charges = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _arrivals = new();

        public string Name => "stripe";

        public Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            var charge = _charges.GetOrAdd(request.OrderId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
            Arrival(request.OrderId).TrySetResult();
            return charge.Task;
        }

        public Task ArrivedAsync(string orderId) => Arrival(orderId).Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Release(string orderId) => _charges[orderId].SetResult("txn_" + orderId);

        public void Fail(string orderId, Exception error) => _charges[orderId].SetException(error);

        private TaskCompletionSource Arrival(string orderId) =>
            _arrivals.GetOrAdd(orderId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
