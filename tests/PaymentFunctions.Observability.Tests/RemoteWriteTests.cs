using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// The managed backend's data path with real processes: a Prometheus agent (the repository's scrape
/// configuration plus remote_write, agent mode) scrapes a real Pushgateway and writes into a second Prometheus that only
/// receives remote write and evaluates the repository's rules, as the Azure Monitor workspace does with the generated
/// rule groups. Beside them a Prometheus scrapes the same gateway directly, as the self-hosted backend does. Every
/// dashboard query and every recording rule must return the same series and values from the receiver as from the
/// direct Prometheus, at one evaluation timestamp both have passed.
/// </summary>
public sealed class RemoteWriteTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";
    private static readonly string[] Instances = ["rw-1", "rw-2"];
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Relative difference allowed: the order of floating-point additions only (0.75 may come back as 0.7500000000000001).</summary>
    private const double Exact = 1e-12;

    /// <summary>
    /// Series this payload rightly lacks, compared all the same (both sides must be empty): a group the gateway refused, a
    /// graceful stop, and the aggregating scraper's own health (recorded only where a scraper remote-writes).
    /// </summary>
    private static readonly string[] AbsentFromThisPayload =
        ["instance:push_failure_time_seconds:rejected", "instance:metric_push_final_timestamp_seconds:finished", "scraper:"];

    [Fact]
    public async Task Dashboard_queries_and_recording_rules_return_the_same_values_from_the_remote_write_receiver_as_from_a_scraping_Prometheus()
    {
        var config = Repository.PathOf("deploy/prometheus/prometheus.yml");
        await using var gateway = await PushgatewayProcess.StartAsync();
        var target = $"127.0.0.1:{gateway.Url.Port}";
        await using var direct = await PrometheusProcess.StartAsync(config, target, Interval, Interval);
        await using var receiver = await PrometheusProcess.StartReceiverAsync(config, Interval);
        await using var agent = await PrometheusProcess.StartAgentAsync(config, target, Interval, new Uri(receiver.Url, "/api/v1/write"), ShippedAgentFlags());
        Assert.Contains("remote_write", agent.Configuration, StringComparison.Ordinal);
        Assert.Contains("honor_labels: true", agent.Configuration, StringComparison.Ordinal);
        Assert.DoesNotContain("rule_files", agent.Configuration, StringComparison.Ordinal);

        // Both see the gateway before anything is pushed, as in production.
        await BothAsync(direct, receiver, "up{job=\"pushgateway\"}", 1);

        // Each scrapes at its own fixed phase of the interval (measured: the same or up to ~50 ms apart). A push is made in
        // the middle of the larger gap between the two phases, so both see it first in their scrape of the same interval,
        // and every series has the same number of samples and the same sample span in both: what rate() extrapolates by.
        var directPhase = (await direct.QueryAsync("timestamp(up{job=\"pushgateway\"})")).Single().Value;
        var agentPhase = (await receiver.QueryAsync("timestamp(up{job=\"pushgateway\"})")).Single().Value;
        var pushPhase = MiddleOfLargerGap(directPhase, agentPhase);

        // Every series at zero first (the app's zero start), then the values: rates see the whole rise.
        using var http = new HttpClient { BaseAddress = gateway.Url };
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await BetweenScrapesAsync(pushPhase);
        await PushAsync(http, scale: 0, start, counters: true);
        await BothAsync(direct, receiver, $"count(payment_requests_total{{job=\"{Job}\"}})", 2 * Instances.Length);
        await BetweenScrapesAsync(pushPhase);
        await PushAsync(http, scale: 1, start, counters: true);
        var total = Instances.Select((_, index) => 4.0 * (index + 1)).Sum();
        await BothAsync(direct, receiver, $"sum(payment_requests_total{{job=\"{Job}\"}})", total);

        // Then the rated counters end (the groups keep their gauges), in the same scrape for both. While a counter is
        // still scraped, a rate evaluated at time t extrapolates to t from the newest sample, and the receiver evaluates its
        // rules on data one remote-write delay older than the direct Prometheus does (as the Azure Monitor workspace
        // does): a rate differs by up to a scrape interval's share of the samples' span. Once the series ended, every
        // rate reads the same samples in both.
        await BetweenScrapesAsync(pushPhase);
        await PushAsync(http, scale: 1, start, counters: false);
        await BothAsync(direct, receiver, $"count(payment_requests_total{{job=\"{Job}\"}}) or vector(0)", 0);
        var arrived = Now();

        // One timestamp both have passed, after the data arrived everywhere. Same configuration, same rule files: the
        // rule groups run on the same schedule in both, so a recorded series read at this time is the same evaluation in
        // both, unless one of them skipped or delayed an evaluation on this busy machine: then the next whole second is
        // tried, until the deadline. A real difference stays at every timestamp.
        await Poll.UntilAsync(() => Now() > arrived + 4, Deadline, "four evaluation intervals pass");
        var queries = EndToEndTests.DashboardQueries().Concat(EndToEndTests.RecordingRuleQueries()).ToList();
        Comparison comparison;
        double? previous = null;
        var attempts = 0;
        var stopwatch = Stopwatch.StartNew();
        do
        {
            if (previous is { } last)
            {
                await Poll.UntilAsync(() => Math.Floor(Now()) - 1 > last, Deadline, "the next second");
            }

            var time = Math.Floor(Now()) - 1;
            previous = time;
            attempts++;
            comparison = await CompareAsync(direct, receiver, queries, time, PhaseGap(directPhase, agentPhase));
        }
        while (comparison.Differences.Count > 0 && stopwatch.Elapsed < TimeSpan.FromSeconds(10));

        output.WriteLine(comparison.Report);
        output.WriteLine($"Attempts: {attempts}");
        Assert.True(comparison.Differences.Count == 0, string.Join('\n', comparison.Differences));
    }

    /// <summary>
    /// The managed path's promise for a fleet: the agent, run with the very flags <c>infra/app/monitor-agent.bicep</c> gives
    /// it, remote-writes each series' created-timestamp zero as an ordinary sample, so the receiver (the workspace) counts
    /// every instance exactly with <c>increase()</c> at the last scrape, instances that lived less than one scrape interval
    /// and were scraped once included.
    /// </summary>
    [Fact]
    public async Task Through_the_shipped_agent_the_receiver_counts_every_instance_of_a_fleet_exactly_those_shorter_than_one_scrape_included()
    {
        var config = Repository.PathOf("deploy/prometheus/prometheus.yml");
        var flags = ShippedAgentFlags();
        Assert.Contains("--agent", flags);
        Assert.Contains(PrometheusProcess.CreatedTimestampZeroIngestion, flags);
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var receiver = await PrometheusProcess.StartReceiverAsync(config, Interval);
        await using var agent = await PrometheusProcess.StartAgentAsync(config, $"127.0.0.1:{gateway.Url.Port}", Interval, new Uri(receiver.Url, "/api/v1/write"), flags);
        using var client = new PrometheusQueryClient(new Uri(receiver.Url, "/"));
        await Poll.UntilAsync(async () => await client.ScalarAsync("up{job=\"pushgateway\"}") == 1, Deadline, "the receiver gets the agent's scrapes of the gateway");

        var plan = FleetPlan.Create(new FleetPlanOptions { Seed = 28, Instances = 12, ScrapeInterval = Interval, InstancePrefix = "rw-fleet" });
        var fleet = await new FleetRunner(TimeProvider.System).RunAsync(plan, new FleetSettings { Pushgateways = [gateway.Url] }, CancellationToken.None);
        var time = await FleetComparison.WaitForFinalScrapesAsync(client, fleet, Deadline);
        var report = await FleetComparison.CompareAsync(
            client, fleet, RecordingRule.LoadPaymentPanels(Repository.PathOf("deploy/prometheus/rules/recording.yml")), time, "10m");
        output.WriteLine(report.Format());

        Assert.Contains(fleet.Instances, i => i.Class == LifetimeClass.BelowOneInterval);
        foreach (var scope in Enum.GetValues<LifetimeClass>().Select(FleetReport.ScopeOf).Append(FleetReport.All))
        {
            var payments = report.Get(scope, "payments");
            Assert.True(payments.IsWithin(Exact), $"Not counted exactly through the agent: {payments}");
        }
    }

    /// <summary>The arguments <c>infra/app/monitor-agent.bicep</c> starts the agent with, but the paths of its configuration and storage.</summary>
    private static List<string> ShippedAgentFlags()
    {
        var bicep = File.ReadAllText(Repository.PathOf("infra/app/monitor-agent.bicep"));
        var args = bicep[bicep.IndexOf("args: [", StringComparison.Ordinal)..];
        args = args[..args.IndexOf(']', StringComparison.Ordinal)];
        var flags = Regex.Matches(args, "'(--[^']+)'").Select(m => m.Groups[1].Value)
            .Where(a => !a.StartsWith("--config.file=", StringComparison.Ordinal) && !a.StartsWith("--storage.agent.path=", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(flags);
        return flags;
    }

    /// <param name="phaseGap">
    /// Seconds between the two scrapers' scrape phases. The freshness rule's value is the age of a push at the scrape
    /// that saw it (timestamp(push_time_seconds) - push_time_seconds, so that late samples cannot drop a live instance),
    /// which differs between two scrapers by that gap, and, recorded by the receiver's rules on data one remote-write
    /// delay older, by up to one more scrape interval (the age at the previous scrape). Its series must still be the same
    /// (who is live); every other value must be equal.
    /// </param>
    private static async Task<Comparison> CompareAsync(
        PrometheusProcess direct, PrometheusProcess receiver, List<EndToEndTests.Query> queries, double time, double phaseGap)
    {
        var report = new StringBuilder();
        var differences = new List<string>();
        var largest = 0.0;
        foreach (var query in queries)
        {
            var fromDirect = await direct.QueryAsync(query.Expr, time);
            var fromReceiver = await receiver.QueryAsync(query.Expr, time);
            report.AppendLine(CultureInfo.InvariantCulture, $"{query.Name}: direct {fromDirect.Count} series, receiver {fromReceiver.Count}");
            if (fromDirect.Count == 0 && !AbsentFromThisPayload.Any(name => query.Expr.Contains(name, StringComparison.Ordinal) || query.Key.StartsWith(name, StringComparison.Ordinal)))
            {
                differences.Add($"{query.Name} returns nothing from the direct Prometheus: the payload does not exercise it");
            }

            var left = fromDirect.ToDictionary(Key, s => s.Value);
            var right = fromReceiver.ToDictionary(Key, s => s.Value);
            if (!left.Keys.Order(StringComparer.Ordinal).SequenceEqual(right.Keys.Order(StringComparer.Ordinal)))
            {
                differences.Add($"{query.Name}: series differ: direct [{string.Join(", ", left.Keys)}], receiver [{string.Join(", ", right.Keys)}]");
                continue;
            }

            foreach (var (key, value) in left)
            {
                var other = right[key];
                var difference = value == other || (double.IsNaN(value) && double.IsNaN(other)) ? 0 : Math.Abs(value - other) / Math.Max(Math.Abs(value), Math.Abs(other));
                largest = Math.Max(largest, difference);
                report.AppendLine(CultureInfo.InvariantCulture, $"  {key} direct {value:R} receiver {other:R}");
                var allowed = query.Name.Contains("instance:push_age_seconds:fresh", StringComparison.Ordinal)
                    ? Math.Abs(value - other) <= phaseGap + Interval.TotalSeconds + 1e-3
                    : difference <= Exact;
                if (!allowed)
                {
                    differences.Add($"{query.Name} {key}: direct {value:R}, receiver {other:R}");
                }
            }
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"{queries.Count} queries at {time:F0}; largest relative difference {largest:G3}");
        return new Comparison(report.ToString(), differences);
    }

    /// <summary>Seconds between two scrape phases of the same interval, the shorter way round.</summary>
    private static double PhaseGap(double first, double second)
    {
        var interval = Interval.TotalSeconds;
        var gap = (((second - first) % interval) + interval) % interval;
        return Math.Min(gap, interval - gap);
    }

    /// <summary>A time (Unix seconds) in the middle of the larger gap between two scrape phases of the same interval.</summary>
    private static double MiddleOfLargerGap(double first, double second)
    {
        var interval = Interval.TotalSeconds;
        var gap = (((second - first) % interval) + interval) % interval; // from first's phase forward to second's
        return gap >= interval / 2 ? first + (gap / 2) : second + ((interval - gap) / 2);
    }

    /// <summary>Waits until the next time at the phase of <paramref name="phase"/> (Unix seconds, modulo the interval).</summary>
    private static Task BetweenScrapesAsync(double phase)
    {
        var interval = Interval.TotalSeconds;
        var next = phase + (Math.Ceiling((Now() + 0.05 - phase) / interval) * interval);
        return Poll.UntilAsync(() => Now() >= next, Deadline, "the push moment between two scrapes");
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string Key(PromSeries series) => series.ToString()[..(series.ToString().LastIndexOf('}') + 1)];

    private static Task BothAsync(PrometheusProcess direct, PrometheusProcess receiver, string query, double value) =>
        Poll.UntilAsync(async () =>
            (await direct.QueryAsync(query)).SingleOrDefault()?.Value == value
            && (await receiver.QueryAsync(query)).SingleOrDefault()?.Value == value,
            Deadline, $"both the direct Prometheus and the receiver answer {query} = {value}");

    /// <summary>
    /// PUTs each instance's group: the series the dashboard and the rules read, counters multiplied by
    /// <paramref name="scale"/> (0: the zero start), gauges fixed, as the app pushes them; without the rated counters
    /// when <paramref name="counters"/> is false.
    /// </summary>
    private static async Task PushAsync(HttpClient http, int scale, long start, bool counters)
    {
        for (var index = 0; index < Instances.Length; index++)
        {
            var k = scale * (index + 1);
            var rated = !counters ? "" : string.Create(CultureInfo.InvariantCulture, $$"""
                # TYPE payment_requests_total counter
                payment_requests_total{status="success",tier="standard",payment_method="credit_card"} {{3 * k}}
                payment_requests_total{status="failed",tier="standard",payment_method="credit_card"} {{k}}
                # TYPE errors_total counter
                errors_total{severity="high",error_type="GatewayTimeoutException"} {{k}}
                errors_total{severity="medium",error_type="InvalidPaymentMethodException"} 0
                # TYPE payment_duration_seconds histogram
                payment_duration_seconds_bucket{gateway="stripe",le="0.5"} {{2 * k}}
                payment_duration_seconds_bucket{gateway="stripe",le="10"} {{4 * k}}
                payment_duration_seconds_bucket{gateway="stripe",le="+Inf"} {{4 * k}}
                payment_duration_seconds_sum{gateway="stripe"} {{9.25 * k}}
                payment_duration_seconds_count{gateway="stripe"} {{4 * k}}
                # TYPE payment_amount_usd histogram
                payment_amount_usd_bucket{le="100"} {{2 * k}}
                payment_amount_usd_bucket{le="1000"} {{3 * k}}
                payment_amount_usd_bucket{le="+Inf"} {{4 * k}}
                payment_amount_usd_sum {{1925 * k}}
                payment_amount_usd_count {{4 * k}}
                # TYPE function_invocations_total counter
                function_invocations_total{function="ProcessPayment",outcome="success"} {{4 * k}}
                function_invocations_total{function="ProcessPayment",outcome="client_error"} {{k}}
                function_invocations_total{function="ProcessPayment",outcome="failure"} {{k}}
                # TYPE payment_rejected_requests_total counter
                payment_rejected_requests_total{cause="malformed_body"} {{k}}
                payment_rejected_requests_total{cause="currency"} 0
                # TYPE function_duration_seconds histogram
                function_duration_seconds_bucket{function="ProcessPayment",le="0.5"} {{2 * k}}
                function_duration_seconds_bucket{function="ProcessPayment",le="10"} {{5 * k}}
                function_duration_seconds_bucket{function="ProcessPayment",le="+Inf"} {{5 * k}}
                function_duration_seconds_sum{function="ProcessPayment"} {{9.5 * k}}
                function_duration_seconds_count{function="ProcessPayment"} {{5 * k}}
                # TYPE metric_push_failures_total counter
                metric_push_failures_total{reason="timeout"} {{2 * k}}

                """);
            var text = rated + string.Create(CultureInfo.InvariantCulture, $$"""
                # TYPE database_connections_active gauge
                database_connections_active{database="payment_db",pool="main_pool"} {{15 + index}}
                # TYPE database_connections_max gauge
                database_connections_max{database="payment_db",pool="main_pool"} 20
                # TYPE memory_usage_bytes gauge
                memory_usage_bytes{type="used"} {{900 - (100 * index)}}
                memory_usage_bytes{type="total"} 1000
                # TYPE cpu_usage_percent gauge
                cpu_usage_percent{core="0"} {{20 + index}}
                cpu_usage_percent{core="1"} 40
                # TYPE function_cold_starts_total counter
                function_cold_starts_total{function="ProcessPayment"} 1
                # TYPE metric_push_last_success_timestamp_seconds gauge
                metric_push_last_success_timestamp_seconds {{start}}
                # TYPE metric_push_final_timestamp_seconds gauge
                metric_push_final_timestamp_seconds 0
                # TYPE process_start_time_seconds gauge
                process_start_time_seconds {{start - 5}}

                """);
            using var content = new StringContent(text.ReplaceLineEndings("\n"), Encoding.UTF8, "text/plain");
            using var response = await http.PutAsync(new Uri($"/metrics/job/{Job}/instance/{Instances[index]}", UriKind.Relative), content);
            Assert.True(response.IsSuccessStatusCode, $"PUT {Instances[index]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private sealed record Comparison(string Report, List<string> Differences);
}
