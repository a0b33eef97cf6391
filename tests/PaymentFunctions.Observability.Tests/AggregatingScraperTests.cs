using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// The managed backend's default path with real processes: a real Pushgateway; the aggregating scraper, a real Prometheus
/// running the configuration and flags of <c>infra/app/monitor-aggregator.bicep</c> (the repository's recording rules,
/// the write_relabel allow list), with only what Azure alone has replaced (https, basic auth and the managed identity,
/// the 15 s intervals by 1 s); and a second real Prometheus with the remote-write receiver on and the repository's alerts,
/// standing for the Azure Monitor workspace. A fleet of short-lived instances at N and then 10 × N: what reaches the
/// receiver grows with the fleet by the per-instance health series only, and every dashboard panel and alert
/// expression answers the same on the receiver as on the scraper, and the long-range total the truth the fleet recorded.
/// </summary>
public sealed class AggregatingScraperTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";

    /// <summary>N: the smaller fleet; the larger is 10 × N (9 × N more instances, in the gateway beside the first).</summary>
    private const int Small = 4;

    /// <summary>The revision the test gives the scraper where Container Apps would expand <c>${CONTAINER_APP_REVISION}</c>.</summary>
    private const string Revision = "ca-prom-agg--test1";

    /// <summary>What the issue allows between the workspace, the scraper and the truth.</summary>
    private const double Tolerance = 0.01;

    /// <summary>At most this many recorded series per instance reach the workspace (the issue's target; 161 raw).</summary>
    private const int MaximumSeriesPerInstance = 5;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>How long samples are counted at each fleet size.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>Prometheus sends a remote-write batch at the latest this long after its first sample (batch_send_deadline), plus a second.</summary>
    private const double BatchDeadline = 6;

    /// <summary>The recorded rates' window: a payment is in the recorded rates of every evaluation up to this much later.</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Through_the_aggregating_scraper_the_workspace_grows_by_the_health_series_per_instance_and_agrees_with_the_scraper_and_the_truth()
    {
        var started = Now();
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var receiver = await PrometheusProcess.StartServerAsync(_ => ReceiverConfiguration(), ["--web.enable-remote-write-receiver"]);
        await using var scraper = await PrometheusProcess.StartServerAsync(
            port => ScraperConfiguration(port, $"127.0.0.1:{gateway.Url.Port}", new Uri(receiver.Url, "/api/v1/write")), ShippedScraperFlags());
        using var atReceiver = new PrometheusQueryClient(new Uri(receiver.Url, "/"));
        using var atScraper = new PrometheusQueryClient(new Uri(scraper.Url, "/"));
        await Poll.UntilAsync(async () => await atReceiver.ScalarAsync("max without (replica) (up{job=\"pushgateway\"})") == 1, Deadline,
            "the receiver gets the gateway's up from the scraper");

        // N instances, then 9 × N more: the gateway holds N, then 10 × N groups (no janitor here: each stays, flat).
        var small = await RunFleetAsync(gateway, Small, "agg-n", seed: 31);
        await FleetComparison.WaitForFinalScrapesAsync(atScraper, small, Deadline);
        var atSmall = await SamplesPerMinuteAsync(atScraper);
        var large = await RunFleetAsync(gateway, 9 * Small, "agg-10n", seed: 32);
        await FleetComparison.WaitForFinalScrapesAsync(atScraper, large, Deadline);
        var atLarge = await SamplesPerMinuteAsync(atScraper);

        var perInstance = (atLarge - atSmall) / (9 * Small);
        var evaluationsPerMinute = 60 / Interval.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"samples a minute reaching the receiver: {atSmall:F0} at {Small} instances, {atLarge:F0} at {10 * Small}: {perInstance:F1} more per instance ({perInstance / evaluationsPerMinute:F2} series per instance at {evaluationsPerMinute:F0} evaluations a minute)"));
        Assert.True(perInstance <= MaximumSeriesPerInstance * evaluationsPerMinute * (1 + Tolerance),
            $"What reaches the receiver grows by {perInstance:F1} samples a minute per instance, more than {MaximumSeriesPerInstance} series per instance");

        // Unique series of the fleet's instances over the whole run, on each side.
        var instances = small.Instances.Concat(large.Instances).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var written = await SeriesPerInstanceAsync(receiver, started);
        var kept = await SeriesPerInstanceAsync(scraper, started);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"series per instance: {kept.Values.Average():F1} on the scraper (raw and recorded, kept 6 h), {written.Values.Average():F2} reaching the receiver (at most {written.Values.Max()}), over {instances.Count} instances"));
        Assert.Equal(instances.Order(StringComparer.Ordinal), kept.Keys.Order(StringComparer.Ordinal));
        Assert.All(written, w => Assert.True(w.Value <= MaximumSeriesPerInstance, $"{w.Key}: {w.Value} series reach the receiver"));
        Assert.Subset(instances, written.Keys.ToHashSet(StringComparer.Ordinal));

        // The receiver evaluates every alert without an error, on what it received.
        await Poll.UntilAsync(async () => AllRulesHealthy(await receiver.GetDataAsync("/api/v1/rules")), Deadline, "every alert rule evaluates on the receiver");

        // Every panel and alert expression, at one timestamp both have: the newest recorded sample the receiver holds, once
        // the receiver has samples a remote-write batch deadline (5 s) newer, so that every sample up to it was sent.
        var time = await NewestAsync(atReceiver);
        await Poll.UntilAsync(async () => await NewestAsync(atReceiver) >= time + BatchDeadline, Deadline, "the receiver has everything up to the comparison time");
        var differences = new List<string>();
        var report = new StringBuilder();
        var queries = EndToEndTests.DashboardQueries().Select(q => (q.Name, q.Expr)).Concat(AlertExpressions()).ToList();
        foreach (var (name, expr) in queries)
        {
            var left = (await atScraper.QueryAsync(expr, time)).ToDictionary(Key, s => s.Value, StringComparer.Ordinal);
            var right = (await atReceiver.QueryAsync(expr, time)).ToDictionary(Key, s => s.Value, StringComparer.Ordinal);
            report.AppendLine(CultureInfo.InvariantCulture, $"{name}: scraper {left.Count} series, receiver {right.Count}");
            if (!left.Keys.Order(StringComparer.Ordinal).SequenceEqual(right.Keys.Order(StringComparer.Ordinal)))
            {
                differences.Add($"{name}: series differ: scraper [{string.Join(", ", left.Keys)}], receiver [{string.Join(", ", right.Keys)}]");
                continue;
            }

            differences.AddRange(left.Where(l => !Agrees(l.Value, right[l.Key])).Select(l => $"{name} {l.Key}: scraper {l.Value:R}, receiver {right[l.Key]:R}"));
        }

        output.WriteLine(report.ToString());
        Assert.True(differences.Count == 0, string.Join("\n", differences));

        // The truth: once the recorded rates have passed the last payment, the rates summed over the whole run times the
        // evaluation interval are every payment, by status (the long-range total of docs/metrics-backends.md).
        var truth = FleetTotals.Of(small.Instances.Concat(large.Instances));
        var lastPayment = small.Instances.Concat(large.Instances).SelectMany(i => i.Events).Max(e => e.At);
        var end = lastPayment + RateWindow.TotalSeconds + (5 * Interval.TotalSeconds);
        await Poll.UntilAsync(async () => await NewestAsync(atReceiver) >= end + BatchDeadline, RateWindow + Deadline, "the recorded rates pass the last payment by their window");
        var range = (int)Math.Ceiling(end - started + 10);
        var total = string.Create(CultureInfo.InvariantCulture,
            $"sum by (status) (sum_over_time((max without (replica) (job_status:payment_requests:rate5m))[{range}s:{Interval.TotalSeconds}s])) * {Interval.TotalSeconds}");
        // Beside it, what the raw counters say on the scraper (created-timestamp zeros, flat since): the exact count.
        var raw = string.Create(CultureInfo.InvariantCulture, $"sum by (status) (increase(payment_requests_total{{job=\"{Job}\"}}[{range}s]))");
        var wrong = new List<string>();
        foreach (var (status, expected) in new[] { ("success", truth.Succeeded), ("failed", truth.Failed) })
        {
            var exact = (await atScraper.QueryAsync(raw, end)).SingleOrDefault(s => s.Label("status") == status)?.Value ?? 0;
            foreach (var (side, client) in new[] { ("receiver", atReceiver), ("scraper", atScraper) })
            {
                var counted = (await client.QueryAsync(total, end)).SingleOrDefault(s => s.Label("status") == status)?.Value ?? 0;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{status} payments over the run from the recorded rates, {side}: {counted:F2} of {expected} ({(counted - expected) / expected:P2}; the raw counters' increase on the scraper: {exact:F2})"));
                if (Math.Abs(counted - expected) > Tolerance * expected)
                {
                    wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{status} payments from the recorded rates on the {side}: {counted:F2}, the fleet made {expected}"));
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>The newest recorded sample a Prometheus holds (Unix seconds).</summary>
    private static async Task<double> NewestAsync(PrometheusQueryClient prometheus) =>
        await prometheus.ScalarAsync("max(timestamp(pushgateway:up:min15m))") ?? 0;

    private static async Task<FleetResult> RunFleetAsync(PushgatewayProcess gateway, int instances, string prefix, int seed)
    {
        // Lifetimes from half a scrape interval to 60 of them: a quarter below one, a quarter between one and two.
        var plan = FleetPlan.Create(new FleetPlanOptions
        {
            Seed = seed, Instances = instances, ScrapeInterval = Interval, InstancePrefix = prefix, MaxLifetimeIntervals = 60,
        });
        return await new FleetRunner(TimeProvider.System).RunAsync(plan, new FleetSettings { Pushgateways = [gateway.Url] }, CancellationToken.None);
    }

    /// <summary>
    /// Samples a minute the receiver accepted from the scraper (its <c>prometheus_remote_storage_samples_total</c>: samples
    /// a 2xx answered, read from the scraper's scrapes of itself), counted over <see cref="Window"/> from now, with the
    /// current fleet's groups in the gateway.
    /// </summary>
    private static async Task<double> SamplesPerMinuteAsync(PrometheusQueryClient scraper)
    {
        const string Sent = "prometheus_remote_storage_samples_total{job=\"aggregating-scraper\"}";
        await Poll.UntilAsync(async () => await scraper.ScalarAsync($"sum({Sent})") is not null, Deadline, "the scraper scrapes its own remote-write counter");
        var from = (await scraper.QueryAsync($"timestamp({Sent})")).Max(s => s.Value);
        await Poll.UntilAsync(() => Now() >= from + Window.TotalSeconds + Interval.TotalSeconds, Window + Deadline, "the counting window passes");
        var to = (await scraper.QueryAsync($"timestamp({Sent})")).Max(s => s.Value);
        var before = await scraper.ScalarAsync($"sum({Sent})", from) ?? 0;
        var after = await scraper.ScalarAsync($"sum({Sent})", to) ?? 0;
        return (after - before) / (to - from) * 60;
    }

    /// <summary>Unique series per instance of the fleet's job that a Prometheus held since <paramref name="since"/> (series API).</summary>
    private static async Task<Dictionary<string, int>> SeriesPerInstanceAsync(PrometheusProcess prometheus, double since)
    {
        var match = Uri.EscapeDataString($"{{job=\"{Job}\",instance=~\"agg-.+\"}}");
        var series = await prometheus.GetDataAsync(string.Create(CultureInfo.InvariantCulture, $"/api/v1/series?match[]={match}&start={since:F3}&end={Now():F3}"));
        return series.EnumerateArray()
            .Select(s => (Instance: s.GetProperty("instance").GetString()!, Key: Key(s)))
            .Distinct()
            .GroupBy(s => s.Instance, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>A series' labels without <c>replica</c> (one revision here; the same series on both sides).</summary>
    private static string Key(JsonElement series) =>
        string.Join(",", series.EnumerateObject().Where(p => p.Name != "replica").Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal));

    private static string Key(PromSeries series) => series.ToString()[..(series.ToString().LastIndexOf('}') + 1)];

    private static bool Agrees(double scraper, double receiver) =>
        scraper == receiver || (double.IsNaN(scraper) && double.IsNaN(receiver))
        || Math.Abs(scraper - receiver) <= Tolerance * Math.Max(Math.Abs(scraper), Math.Abs(receiver));

    private static bool AllRulesHealthy(JsonElement rules) =>
        rules.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .All(r => r.GetProperty("health").GetString() == "ok");

    /// <summary>Every alert expression the workspace evaluates: alerts.yml and the scraper's health alerts.</summary>
    private static IEnumerable<(string Name, string Expr)> AlertExpressions()
    {
        foreach (var file in new[] { "alerts.yml", "scraper.yml" })
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(Repository.PathOf($"deploy/prometheus/rules/{file}")))
            {
                yaml.Load(reader);
            }

            foreach (var group in ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"]).Children.Cast<YamlMappingNode>())
            {
                foreach (var rule in ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>())
                {
                    if (rule.Children.TryGetValue("alert", out var alert))
                    {
                        yield return ($"alert {((YamlScalarNode)alert).Value}", ((YamlScalarNode)rule.Children["expr"]).Value!);
                    }
                }
            }
        }
    }

    /// <summary>The workspace's stand-in: it scrapes nothing, receives remote write and evaluates the alerts (Azure's rule groups on this path).</summary>
    private static string ReceiverConfiguration() =>
        string.Create(CultureInfo.InvariantCulture, $"""
            global:
              evaluation_interval: {Interval.TotalSeconds}s
            rule_files:
              - {Repository.PathOf("deploy/prometheus/rules/alerts.yml")}
            """);

    /// <summary>
    /// The configuration <c>infra/app/monitor-aggregator.bicep</c> gives the scraper, formatted as the Bicep formats it,
    /// with what only Azure has replaced: https and basic auth to the gateway (the test's is plain http), the managed
    /// identity of the remote write (the receiver takes anonymous writes), the 15 s intervals (1 s here), its own address
    /// and the revision Container Apps puts in the environment. Each replacement must match, or the test fails.
    /// </summary>
    private static string ScraperConfiguration(int port, string target, Uri remoteWriteUrl)
    {
        var bicep = File.ReadAllText(Repository.PathOf("infra/app/monitor-aggregator.bicep")).ReplaceLineEndings("\n");
        const string Opening = "var scraperConfig = '''\n";
        var start = bicep.IndexOf(Opening, StringComparison.Ordinal) + Opening.Length;
        var format = bicep[start..bicep.IndexOf("'''", start, StringComparison.Ordinal)];
        format = Replace(format, "    scheme: https\n    basic_auth:\n      username: {1}\n      password_file: {0}/pushgateway-password\n", "");
        format = Replace(format, "    azuread:\n      cloud: AzurePublic\n      managed_identity:\n        client_id: '{4}'\n", "");
        format = Replace(format, "  scrape_interval: 15s\n  evaluation_interval: 15s\n",
            string.Create(CultureInfo.InvariantCulture, $"  scrape_interval: {Interval.TotalSeconds}s\n  evaluation_interval: {Interval.TotalSeconds}s\n"));
        format = Replace(format, "'localhost:9090'", $"'127.0.0.1:{port}'");
        var configuration = string.Format(CultureInfo.InvariantCulture, format,
            Repository.PathOf("deploy/prometheus/rules"), "unused", $"'{target}'", remoteWriteUrl, "unused");
        return Replace(configuration, "${CONTAINER_APP_REVISION}", Revision);
    }

    private static string Replace(string text, string what, string with)
    {
        Assert.True(text.Contains(what, StringComparison.Ordinal), $"infra/app/monitor-aggregator.bicep changed: its configuration has no '{what}' for the test to replace");
        return text.Replace(what, with, StringComparison.Ordinal);
    }

    /// <summary>The arguments the Bicep starts the scraper with, but the paths of its configuration and TSDB.</summary>
    private static List<string> ShippedScraperFlags()
    {
        var bicep = File.ReadAllText(Repository.PathOf("infra/app/monitor-aggregator.bicep"));
        var args = bicep[bicep.IndexOf("args: [", StringComparison.Ordinal)..];
        args = args[..args.IndexOf(']', StringComparison.Ordinal)];
        var flags = Regex.Matches(args, "'(--[^']+)'").Select(m => m.Groups[1].Value)
            .Where(a => !a.StartsWith("--config.file=", StringComparison.Ordinal) && !a.StartsWith("--storage.tsdb.path=", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(PrometheusProcess.CreatedTimestampZeroIngestion, flags);
        Assert.DoesNotContain("--agent", flags);
        return flags;
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
