using System.Diagnostics;
using System.Text.Json;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Observability.Tests;

/// <summary>A test that needs the real Functions host: skipped, with the reason, where none is found.</summary>
public sealed class HostFactAttribute : FactAttribute
{
    public HostFactAttribute()
    {
        if (FunctionsHostProcess.MissingReason is { Length: > 0 } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// One real Functions host running the app, pushing to a real Pushgateway, shared by the tests of
/// <see cref="FunctionsHostTests"/>: standard and basic payments succeed, premium ones are declined (402), the system
/// metrics timer fires every second.
/// </summary>
public sealed class HostedApp : IAsyncLifetime
{
    public const string Instance = "host-tests";

    public PushgatewayProcess Gateway { get; private set; } = null!;

    public FunctionsHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (FunctionsHostProcess.MissingReason.Length > 0)
        {
            return;
        }

        Gateway = await PushgatewayProcess.StartAsync();
        Host = await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = Gateway.Url.ToString(),
            ["MetricPush__Instance"] = Instance,
            ["MetricPush__FirstValuesDelaySeconds"] = "0",
            ["SystemMetricsSchedule"] = "*/1 * * * * *",
            ["MetricJanitorSchedule"] = "0 0 0 1 1 *",
            ["SimulatedGateway__FailureRate"] = "0",
            ["SimulatedGateway__PremiumFailureRate"] = "1",
            ["SimulatedGateway__TimeoutShare"] = "0",
            ["SimulatedGateway__LatencyScale"] = "0.1",
        });
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

/// <summary>
/// The app under the real Functions host, through HTTP with a function key, as <c>func start</c> and Azure run it:
/// the seed's payments and the error statuses with their bodies, 401 without a key, the timer's system metrics and
/// the final push after SIGTERM reaching a real Pushgateway. The in-process tests stay the fast net.
/// </summary>
public sealed class FunctionsHostTests(HostedApp app) : IClassFixture<HostedApp>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [HostFact]
    public async Task Without_a_function_key_the_host_answers_401_and_runs_nothing()
    {
        var (status, _, body) = await app.Host.PostPaymentAsync("""{"orderId":"o","userId":"u","amount":50,"currency":"USD"}""", withKey: false);

        Assert.Equal(401, status);
        Assert.Equal(string.Empty, body);
    }

    [HostFact]
    public async Task The_seed_payments_succeed_or_are_declined_with_their_bodies_and_reach_the_gateway()
    {
        string[] seed =
        [
            """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""",
            """{"orderId":"order_2","userId":"user_456","amount":150.0,"currency":"USD","userTier":"premium","paymentMethod":"paypal"}""",
            """{"orderId":"order_3","userId":"user_789","amount":1200.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""",
            """{"orderId":"order_4","userId":"user_321","amount":25.0,"currency":"USD","userTier":"basic","paymentMethod":"debit_card"}""",
            """{"orderId":"order_5","userId":"user_654","amount":500.0,"currency":"USD","userTier":"premium","paymentMethod":"apple_pay"}""",
        ];

        var results = new List<(int Status, string? ContentType, string Body)>();
        foreach (var payment in seed)
        {
            results.Add(await app.Host.PostPaymentAsync(payment));
        }

        Assert.Equal([200, 402, 200, 200, 402], results.Select(r => r.Status));
        foreach (var (_, contentType, body) in results.Where(r => r.Status == 200))
        {
            Assert.Equal("application/json", contentType);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("success", json.RootElement.GetProperty("status").GetString());
            Assert.Matches("^txn_[0-9a-f]{16}$", json.RootElement.GetProperty("transactionId").GetString());
        }

        foreach (var (_, contentType, body) in results.Where(r => r.Status == 402))
        {
            Assert.Equal("application/problem+json", contentType);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("urn:payment-functions:problem:payment-declined", json.RootElement.GetProperty("type").GetString());
            Assert.Equal(402, json.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("InvalidPaymentMethodException", json.RootElement.GetProperty("errorType").GetString());
        }

        var text = await app.Gateway.ScrapeUntilAsync(
            t => t.Sum("payment_requests_total", ("instance", HostedApp.Instance)) >= 5, Deadline, "the gateway holds the five payments");
        Assert.Equal(3, text.Sum("payment_requests_total", ("instance", HostedApp.Instance), ("status", "success")));
        Assert.Equal(2, text.Sum("payment_requests_total", ("instance", HostedApp.Instance), ("status", "failed")));
    }

    [HostFact]
    public async Task Invalid_input_is_a_400_problem_naming_every_bad_field_and_counted_as_a_client_error()
    {
        var (status, contentType, body) = await app.Host.PostPaymentAsync("""{"orderId":"o1"}""");

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("urn:payment-functions:problem:validation", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("Invalid field(s): userId, amount, currency.", json.RootElement.GetProperty("detail").GetString());
        Assert.Equal(["amount", "currency", "userId"], json.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        await app.Gateway.ScrapeUntilAsync(
            t => t.ValueOrZero("function_invocations_total", ("instance", HostedApp.Instance), ("function", "ProcessPayment"), ("outcome", "client_error")) >= 1,
            Deadline, "the gateway counts the 400 as a client_error invocation");
    }

    [HostFact]
    public async Task The_timer_samples_system_metrics_into_the_gateway()
    {
        var text = await app.Gateway.ScrapeUntilAsync(
            t => t.ValueOrZero("memory_usage_bytes", ("instance", HostedApp.Instance), ("type", "total")) > 0
                && t.ValueOrZero("function_invocations_total", ("instance", HostedApp.Instance), ("function", "SampleSystemMetrics"), ("outcome", "success")) >= 2,
            Deadline, "the system metrics timer fired twice and its samples reached the gateway");
        Assert.True(text.Value("memory_usage_bytes", ("instance", HostedApp.Instance), ("type", "used")) > 0);
    }

    [HostFact]
    public async Task After_SIGTERM_the_final_push_lands_within_the_workers_grace_with_every_count()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        var host = await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = gateway.Url.ToString(),
            ["MetricPush__Instance"] = "host-stopping",
            ["MetricPush__IntervalSeconds"] = "3600",
            ["MetricPush__MinIntervalSeconds"] = "3600",
            ["SystemMetricsSchedule"] = "0 0 0 1 1 *",
            ["MetricJanitorSchedule"] = "0 0 0 1 1 *",
            ["SimulatedGateway__FailureRate"] = "1",
            ["SimulatedGateway__PremiumFailureRate"] = "0",
            ["SimulatedGateway__TimeoutShare"] = "1",
            ["SimulatedGateway__LatencyScale"] = "0",
        });
        await using (host)
        {
            // A push at most once an hour: the first invocation's push goes out, the second's waits for the final push.
            Assert.Equal(200, (await host.PostPaymentAsync("""{"orderId":"a","userId":"u","amount":50,"currency":"USD","userTier":"premium"}""")).Status);
            await gateway.ScrapeUntilAsync(t => t.ValueOrZero("payment_requests_total", ("instance", "host-stopping"), ("status", "success"), ("user_tier", "premium")) == 1,
                Deadline, "the first push landed");
            var (status, contentType, body) = await host.PostPaymentAsync("""{"orderId":"b","userId":"u","amount":50,"currency":"USD","userTier":"standard"}""");
            Assert.Equal((504, "application/problem+json"), (status, contentType));
            Assert.Contains("\"errorType\":\"GatewayTimeoutException\"", body, StringComparison.Ordinal);

            // SIGTERM: the host asks the worker to stop; the final push must land inside the worker's grace.
            var stopping = Stopwatch.StartNew();
            await host.StopGracefullyAsync(TimeSpan.FromSeconds(20));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the host took {stopping.Elapsed} to stop");
        }

        var text = await gateway.ScrapeAsync();
        Assert.Equal(1, text.Value("payment_requests_total", ("instance", "host-stopping"), ("status", "failed"), ("user_tier", "standard"), ("gateway", "stripe")));
        Assert.True(text.Value("metric_push_final_timestamp_seconds", ("instance", "host-stopping")) > 0, "the final push marks itself");
    }

    [HostFact]
    public async Task A_gateway_that_goes_down_and_back_is_one_warning_and_one_recovery_line_in_the_hosts_output()
    {
        var gateway = await PushgatewayProcess.StartAsync();
        var port = gateway.Port;
        await using var host = await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = gateway.Url.ToString(),
            ["MetricPush__Instance"] = "host-flaky",
            ["MetricPush__MinIntervalSeconds"] = "0.1",
            ["MetricPush__RetryDelaySeconds"] = "0.05",
            ["SystemMetricsSchedule"] = "0 0 0 1 1 *",
            ["MetricJanitorSchedule"] = "0 0 0 1 1 *",
            ["SimulatedGateway__FailureRate"] = "0",
            ["SimulatedGateway__PremiumFailureRate"] = "0",
            ["SimulatedGateway__LatencyScale"] = "0",
        });
        const string Payment = """{"orderId":"o","userId":"u","amount":50,"currency":"USD"}""";
        const string Failing = "Metric pushes to " + "{0}" + " are failing";
        var groupUrl = $"{gateway.Url}metrics/job/payment-functions/instance/host-flaky";
        Assert.Equal(200, (await host.PostPaymentAsync(Payment)).Status);
        await gateway.ScrapeUntilAsync(t => t.Sum("payment_requests_total", ("instance", "host-flaky")) == 1, Deadline, "the first push landed");

        await gateway.DisposeAsync();
        for (var i = 0; i < 3; i++)
        {
            // An invocation never waits for a push: with the gateway refusing connections it answers at once.
            var invocation = Stopwatch.StartNew();
            Assert.Equal(200, (await host.PostPaymentAsync(Payment)).Status);
            Assert.True(invocation.Elapsed < TimeSpan.FromSeconds(2), $"an invocation took {invocation.Elapsed} with the gateway down");
            await Poll.UntilAsync(() => host.Output.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, Failing, groupUrl), StringComparison.Ordinal),
                Deadline, "the host's output has the push-failure warning");
        }

        await using var restarted = await PushgatewayProcess.StartAsync(port);
        Assert.Equal(200, (await host.PostPaymentAsync(Payment)).Status);
        await restarted.ScrapeUntilAsync(t => t.Sum("payment_requests_total", ("instance", "host-flaky")) == 5, Deadline, "every count reached the restarted gateway");
        await Poll.UntilAsync(() => host.Output.Contains($"Metric pushes to {groupUrl} succeed again", StringComparison.Ordinal), Deadline, "the recovery line");

        Assert.Equal(1, Occurrences(host.Output, string.Format(System.Globalization.CultureInfo.InvariantCulture, Failing, groupUrl)));
        Assert.Equal(1, Occurrences(host.Output, $"Metric pushes to {groupUrl} succeed again"));
    }

    [HostFact]
    public async Task With_a_gateway_that_never_answers_invocations_answer_at_once_and_the_push_times_out()
    {
        await using var blackhole = FaultyListener.Blackhole();
        await using var host = await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = blackhole.Url.ToString(),
            ["MetricPush__Instance"] = "host-blackhole",
            ["MetricPush__TimeoutSeconds"] = "3",
            ["MetricPush__MaxRetryAttempts"] = "0",
            ["SystemMetricsSchedule"] = "0 0 0 1 1 *",
            ["MetricJanitorSchedule"] = "0 0 0 1 1 *",
            ["SimulatedGateway__FailureRate"] = "0",
            ["SimulatedGateway__PremiumFailureRate"] = "0",
            ["SimulatedGateway__LatencyScale"] = "0",
        });
        for (var i = 0; i < 3; i++)
        {
            var invocation = Stopwatch.StartNew();
            Assert.Equal(200, (await host.PostPaymentAsync("""{"orderId":"o","userId":"u","amount":50,"currency":"USD"}""")).Status);
            // Below the push timeout: an invocation that waited for its push would take at least 3 s.
            Assert.True(invocation.Elapsed < TimeSpan.FromSeconds(2), $"an invocation took {invocation.Elapsed} with the gateway hanging");
        }

        await Poll.UntilAsync(() => host.Output.Contains("are failing (timeout after 1 attempts: no answer within the push timeout)", StringComparison.Ordinal),
            Deadline, "the push times out and the host's output says so");
    }

    [HostFact]
    public async Task The_janitor_timer_deletes_a_silent_group_of_the_job_and_leaves_its_own_and_other_jobs()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var http = new HttpClient();
        foreach (var (job, instance) in new[] { ("payment-functions", "silent"), ("other-job", "silent") })
        {
            using var content = new StringContent("janitor_probe 1\n", System.Text.Encoding.UTF8, "text/plain");
            (await http.PutAsync(new Uri(gateway.Url, $"/metrics/job/{job}/instance/{instance}"), content)).EnsureSuccessStatusCode();
        }

        // A TTL of 1.2 s (three push intervals of 0.4 s; the setting asks for less); the janitor runs every second.
        await using var host = await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = gateway.Url.ToString(),
            ["MetricPush__Instance"] = "host-janitor",
            ["MetricPush__IntervalSeconds"] = "0.4",
            ["MetricPush__MinIntervalSeconds"] = "0.1",
            ["MetricPush__GroupTtlMinutes"] = "0.001",
            ["SystemMetricsSchedule"] = "0 0 0 1 1 *",
            ["MetricJanitorSchedule"] = "*/1 * * * * *",
        });

        var text = await gateway.ScrapeUntilAsync(
            t => !HasGroup(t, "payment-functions", "silent") && HasGroup(t, "payment-functions", "host-janitor"),
            Deadline, "the janitor deleted the silent group of the job");
        Assert.True(HasGroup(text, "other-job", "silent"), "another job's group is never touched");
        await gateway.ScrapeUntilAsync(
            t => t.ValueOrZero("function_invocations_total", ("instance", "host-janitor"), ("function", "ExpireStaleMetricGroups"), ("outcome", "success")) >= 1
                && HasGroup(t, "payment-functions", "host-janitor"),
            Deadline, "the janitor's invocations are counted and its own group stays");
    }

    private static bool HasGroup(PrometheusText text, string job, string instance) =>
        text.Find("push_time_seconds", ("job", job), ("instance", instance)).Any();

    private static int Occurrences(string text, string line)
    {
        var count = 0;
        for (var at = text.IndexOf(line, StringComparison.Ordinal); at >= 0; at = text.IndexOf(line, at + line.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
