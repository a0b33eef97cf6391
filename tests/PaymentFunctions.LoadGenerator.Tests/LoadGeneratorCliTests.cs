using System.Text.Json;

namespace PaymentFunctions.LoadGenerator.Tests;

public sealed class LoadGeneratorCliTests
{
    private const string Key = "test-function-key-5f3a9c";

    [Fact]
    public async Task The_json_summary_counts_exactly_the_statuses_the_server_sent_and_every_request_carried_the_key_and_a_scenario_body()
    {
        await using var server = LoopbackPaymentServer.Start(200, 402, 504, 400, 200);

        var result = await Cli.RunAsync(
            "--url", server.Url.ToString(), "--concurrency", "4", "--requests", "40", "--function-key", Key, "--seed", "7", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var summary = JsonDocument.Parse(result.Out);
        var root = summary.RootElement;
        Assert.Equal(40, root.GetProperty("requests").GetInt64());
        Assert.Equal(40, root.GetProperty("responses").GetInt64());
        Assert.Equal(0, root.GetProperty("transportErrors").GetInt64());
        Assert.False(root.GetProperty("unreachable").GetBoolean());
        var counted = root.GetProperty("statusCodes").EnumerateObject().ToDictionary(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), p => p.Value.GetInt32());
        Assert.Equal(new Dictionary<int, int> { [200] = 16, [400] = 8, [402] = 8, [504] = 8 }, counted);
        Assert.Equal(server.Sent.OrderBy(s => s.Key), counted.OrderBy(s => s.Key));

        var latency = root.GetProperty("latencyMs");
        Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p95").GetDouble());
        Assert.True(latency.GetProperty("p95").GetDouble() <= latency.GetProperty("p99").GetDouble());
        Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());

        var requests = server.Requests.ToArray();
        Assert.Equal(40, requests.Length);
        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/api/payments", r.Path);
            Assert.Equal(Key, r.FunctionKey);
            Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal);
            AssertSeedMixBody(r.Body);
        });
        Assert.Equal(40, requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("orderId").GetString()).Distinct().Count());
        Assert.DoesNotContain(Key, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_text_summary_lists_the_counts_per_status_and_the_key_comes_from_the_environment_unprinted()
    {
        await using var server = LoopbackPaymentServer.Start(200, 200, 402, 504);
        var environment = new Dictionary<string, string> { [LoadGeneratorCli.FunctionKeyVariable] = Key };

        var result = await Cli.RunAsync(environment, "--url", server.Url.ToString(), "-c", "2", "-n", "12");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Requests:     12 (12 responses, 0 transport errors)", result.Out, StringComparison.Ordinal);
        Assert.Contains("  200: 6\n", result.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  402: 3\n", result.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  504: 3\n", result.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Matches(@"Latency \(ms\): p50 [0-9.]+  p95 [0-9.]+  p99 [0-9.]+  max [0-9.]+", result.Out);
        Assert.Matches(@"Throughput:   [0-9.]+ req/s", result.Out);
        Assert.Matches(@"\[ *[0-9.]+s\] done 12  2xx 6  4xx 3  5xx 3  errors 0  in flight 0", result.Error);
        Assert.All(server.Requests, r => Assert.Equal(Key, r.FunctionKey));
        Assert.DoesNotContain(Key, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_open_model_sends_the_requested_number_at_the_given_rate()
    {
        await using var server = LoopbackPaymentServer.Start(200);

        var result = await Cli.RunAsync("--url", server.Url.ToString(), "--rate", "200", "--requests", "20", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var summary = JsonDocument.Parse(result.Out);
        Assert.Equal(20, summary.RootElement.GetProperty("statusCodes").GetProperty("200").GetInt32());
        Assert.Equal("open, rate 200/s", summary.RootElement.GetProperty("mode").GetString());
        // Request 20 is due at 19/200 s: the run cannot be shorter.
        Assert.True(summary.RootElement.GetProperty("elapsedSeconds").GetDouble() >= 0.095);
        Assert.Equal(20, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Null(r.FunctionKey));
    }

    [Fact]
    public async Task A_timed_open_run_never_starts_more_than_rate_times_duration_requests()
    {
        await using var server = LoopbackPaymentServer.Start(200);

        // 100/s for 0.3 s: requests are due at 0, 0.01, ..., 0.29 s; the one due at 0.30 s is past the duration.
        var result = await Cli.RunAsync("--url", server.Url.ToString(), "--rate", "100", "--duration", "0.3s", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.InRange(server.Requests.Count, 1, 30);
    }

    [Fact]
    public async Task A_scenario_file_decides_the_mix_and_a_seed_repeats_it()
    {
        await using var server = LoopbackPaymentServer.Start(200);
        var path = Path.Combine(Path.GetTempPath(), $"paymentload-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {
              "tiers": { "premium": 1 },
              "methods": { "paypal": 1, "apple_pay": 0 },
              "currencies": { "EUR": 1 },
              "amounts": [ { "min": 2000, "max": 2000.5, "weight": 1 } ]
            }
            """);
        try
        {
            var first = await Cli.RunAsync("--url", server.Url.ToString(), "-n", "5", "--scenario", path, "--seed", "42");
            var second = await Cli.RunAsync("--url", server.Url.ToString(), "-n", "5", "--scenario", path, "--seed", "42");

            Assert.Equal(0, first.ExitCode);
            Assert.Equal(0, second.ExitCode);
            var bodies = server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToArray();
            Assert.Equal(10, bodies.Length);
            Assert.All(bodies, b =>
            {
                Assert.Equal("premium", b.GetProperty("userTier").GetString());
                Assert.Equal("paypal", b.GetProperty("paymentMethod").GetString());
                Assert.Equal("EUR", b.GetProperty("currency").GetString());
                Assert.InRange(b.GetProperty("amount").GetDecimal(), 2000m, 2000.5m);
            });
            var texts = server.Requests.Select(r => r.Body).ToArray();
            Assert.Equal(texts[..5].Order(StringComparer.Ordinal), texts[5..].Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_unreachable_target_exits_3_and_says_so()
    {
        var url = $"http://127.0.0.1:{LoopbackPaymentServer.FreePort()}/api/payments";

        var result = await Cli.RunAsync("--url", url, "--concurrency", "2", "--duration", "10s", "--function-key", Key);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("target unreachable", result.Error, StringComparison.Ordinal);
        Assert.Contains("Requests:     ", result.Out, StringComparison.Ordinal);
        Assert.Contains("0 responses", result.Out, StringComparison.Ordinal);
        Assert.Contains("ConnectionError", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        var result = await Cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        foreach (var option in AllOptions)
        {
            Assert.Contains(option, result.Out, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string[]> BadArguments => new()
    {
        { [] },
        { ["--url", "not a url"] },
        { ["--url", "ftp://127.0.0.1/x"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--rate", "5", "--concurrency", "2"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--rate", "0"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--concurrency", "0"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--requests", "0"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--duration", "soon"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--timeout", "-1s"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--scenario", "/nonexistent/scenario.json"] },
        { ["--url", "http://127.0.0.1:1/api/payments", "--unknown"] },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Bad_arguments_exit_2_with_a_message_and_send_nothing(string[] args)
    {
        var result = await Cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("paymentload: ", result.Error, StringComparison.Ordinal);
        Assert.EndsWith(" (--help for usage)", result.Error.TrimEnd(), StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(result.Out);
    }

    private static readonly string[] AllOptions =
        ["--url", "--rate", "--concurrency", "--duration", "--requests", "--function-key", "--scenario", "--seed", "--timeout", "--json"];

    private static readonly string[] StandardTiers = ["standard", "premium", "basic"];
    private static readonly string[] StandardMethods = ["credit_card", "paypal", "debit_card", "apple_pay"];

    private static void AssertSeedMixBody(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(
            ["amount", "currency", "orderId", "paymentMethod", "userId", "userTier"],
            root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Matches("^load_[0-9a-f]{6}_[0-9]{6}$", root.GetProperty("orderId").GetString());
        Assert.Matches("^user_[0-9]{3}$", root.GetProperty("userId").GetString());
        Assert.Equal("USD", root.GetProperty("currency").GetString());
        Assert.Contains(root.GetProperty("userTier").GetString(), StandardTiers);
        Assert.Contains(root.GetProperty("paymentMethod").GetString(), StandardMethods);
        Assert.InRange(root.GetProperty("amount").GetDecimal(), 10m, 5000m);
    }
}
