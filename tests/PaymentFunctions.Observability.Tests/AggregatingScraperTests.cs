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

    /// <summary>
    /// Between the old revision alone and the receiver holding both, while their evaluations are a moment apart: far
    /// below the 100 % a panel summing both revisions would read.
    /// </summary>
    private const double OverlapTolerance = 0.10;

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
        await using var receiver = await StartReceiverAsync();
        await using var scraper = await StartScraperAsync($"127.0.0.1:{gateway.Url.Port}", new Uri(receiver.Url, "/api/v1/write"));
        using var atReceiver = new PrometheusQueryClient(new Uri(receiver.Url, "/"));
        using var atScraper = new PrometheusQueryClient(new Uri(scraper.Url, "/"));
        await ReceivesUpAsync(atReceiver);

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
        var largest = 0.0;
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
            largest = left.Select(l => Difference(l.Value, right[l.Key])).Append(largest).Max();
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"{queries.Count} expressions at {time:F3}; largest relative difference {largest:G3}");
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

    /// <summary>
    /// A workspace that refuses every write (a Prometheus without the remote-write receiver answers 404, a 4xx as a
    /// missing role's 403 or a wrong data collection rule's): the scraper logs the refusal, drops the samples and
    /// records them as lost (what RemoteWriteSamplesLost reads, and the dashboard's queue panel), and the workspace, which
    /// gets nothing, finds the scraper's heartbeat absent (what AggregatingScraperSilent reads): the loss is not silent.
    /// </summary>
    [Fact]
    public async Task A_refused_remote_write_is_logged_recorded_as_lost_and_leaves_the_workspace_without_the_heartbeat()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var refusing = await PrometheusProcess.StartServerAsync(_ => ReceiverConfiguration(), []);
        await using var scraper = await StartScraperAsync($"127.0.0.1:{gateway.Url.Port}", new Uri(refusing.Url, "/api/v1/write"));
        using var atScraper = new PrometheusQueryClient(new Uri(scraper.Url, "/"));
        using var atWorkspace = new PrometheusQueryClient(new Uri(refusing.Url, "/"));
        await RunFleetAsync(gateway, Small, "agg-refused", seed: 33);

        await Poll.UntilAsync(async () => await atScraper.ScalarAsync("max without (replica) (scraper:remote_write_samples_failed:increase10m)") is > 0,
            Deadline, "the scraper records samples refused for good");
        var lost = await atScraper.QueryAsync(AlertExpression("RemoteWriteSamplesLost"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RemoteWriteSamplesLost's expression on the scraper: {string.Join(", ", lost)}"));
        Assert.NotEmpty(lost);
        Assert.Contains("non-recoverable error", scraper.Output, StringComparison.Ordinal);

        // Nothing the scraper writes (every series carries its revision) reached the workspace, whose dead-man's switch holds.
        Assert.Empty(await atWorkspace.QueryAsync("{replica!=\"\"}"));
        Assert.Equal(1, await atWorkspace.ScalarAsync(AlertExpression("AggregatingScraperSilent")));
    }

    /// <summary>
    /// A restart of the aggregating scraper loses its database (the container's own disk): killed while a fleet pushes, and
    /// a new one started on an empty directory with the same revision, writing to the same receiver. The recorded
    /// payments over the run lose at most the payments of the downtime and of one rate window before it, and count
    /// nothing twice (a series new to the second scraper that carries an old created timestamp gets its zero there, so
    /// the windows after the restart count the payments before it; the windows before the kill counted them only in part).
    /// </summary>
    [Fact]
    public async Task A_restart_with_an_empty_database_loses_at_most_the_downtime_and_one_rate_window_and_counts_nothing_twice()
    {
        var started = Now();
        var downtime = TimeSpan.FromSeconds(20);
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var receiver = await StartReceiverAsync();
        var target = $"127.0.0.1:{gateway.Url.Port}";
        var writeUrl = new Uri(receiver.Url, "/api/v1/write");
        await using var first = await StartScraperAsync(target, writeUrl);
        using var atReceiver = new PrometheusQueryClient(new Uri(receiver.Url, "/"));
        await ReceivesUpAsync(atReceiver);

        // Instances living up to two minutes, pushing while the scraper dies and a new one starts.
        var running = RunFleetAsync(gateway, 8, "agg-restart", seed: 34, maxLifetimeIntervals: 120);
        await Task.Delay(TimeSpan.FromSeconds(30));
        await first.StopAsync();
        var killedAt = Now();
        await Task.Delay(downtime);
        await using var second = await StartScraperAsync(target, writeUrl);
        var restartedAt = Now();
        var fleet = await running;
        using var atSecond = new PrometheusQueryClient(new Uri(second.Url, "/"));
        await FleetComparison.WaitForFinalScrapesAsync(atSecond, fleet, Deadline);

        var events = fleet.Instances.SelectMany(i => i.Events).ToList();
        var lastPayment = events.Max(e => e.At);
        var end = lastPayment + RateWindow.TotalSeconds + (5 * Interval.TotalSeconds);
        await Poll.UntilAsync(async () => await NewestAsync(atReceiver) >= end + BatchDeadline, RateWindow + (2 * Deadline), "the recorded rates pass the last payment by their window");

        // The gap the restart leaves in a recorded series at the receiver.
        var range = (int)Math.Ceiling(end - started + 10);
        var samples = await receiver.GetDataAsync(string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/query?query={Uri.EscapeDataString($"pushgateway:up:min15m[{range}s]")}&time={end:F3}"));
        var times = samples.GetProperty("result")[0].GetProperty("values").EnumerateArray().Select(v => v[0].GetDouble()).ToList();
        var gap = times.Zip(times.Skip(1), (a, b) => b - a).Max();

        var total = string.Create(CultureInfo.InvariantCulture,
            $"sum(sum_over_time((max without (replica) (job_status:payment_requests:rate5m))[{range}s:{Interval.TotalSeconds}s])) * {Interval.TotalSeconds}");
        var counted = await atReceiver.ScalarAsync(total, end) ?? 0;
        var inDowntime = events.Count(e => e.At >= killedAt && e.At <= restartedAt);
        var allowed = events.Count(e => e.At >= killedAt - RateWindow.TotalSeconds && e.At <= restartedAt);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed at {killedAt:F1}, the new scraper ready {restartedAt - killedAt:F1} s later; the longest gap in a recorded series at the receiver {gap:F1} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"payments over the run from the recorded rates: {counted:F2} of {events.Count}: {events.Count - counted:F2} lost ({inDowntime} made while no scraper ran, {allowed} in the downtime and the rate window before it)"));
        Assert.True(counted <= events.Count * (1 + Tolerance), $"{counted:F2} payments counted, more than the {events.Count} made: some counted twice");
        Assert.True(events.Count - counted <= allowed, $"{events.Count - counted:F2} payments lost, more than the {allowed} of the downtime and one rate window before it");
    }

    /// <summary>
    /// A new revision overlapping the old one (Container Apps starts the new revision's replica, then stops the old with
    /// SIGTERM): for the overlap both scrapers remote-write every recorded series, each under its own <c>replica</c>, so
    /// the workspace ingests two copies for that while. Every panel and alert reads through <c>max without (replica)</c>:
    /// during the overlap every query answers the series and values of the old revision alone, none twice, and the total over the
    /// run from the recorded rates is the fleet's within 1 %, neither doubled nor lost. What the overlap costs is measured.
    /// </summary>
    [Fact]
    public async Task A_new_revision_overlapping_the_old_one_doubles_no_answer_and_loses_no_payment()
    {
        var started = Now();
        var overlap = TimeSpan.FromSeconds(30);
        await using var gateway = await PushgatewayProcess.StartAsync();
        await using var receiver = await StartReceiverAsync();
        var target = $"127.0.0.1:{gateway.Url.Port}";
        var writeUrl = new Uri(receiver.Url, "/api/v1/write");
        await using var old = await StartScraperAsync(target, writeUrl, "ca-prom-agg--old");
        using var atReceiver = new PrometheusQueryClient(new Uri(receiver.Url, "/"));
        using var atOld = new PrometheusQueryClient(new Uri(old.Url, "/"));
        await ReceivesUpAsync(atReceiver);

        // Instances living up to two minutes, pushing before, during and after the overlap.
        var running = RunFleetAsync(gateway, 8, "agg-overlap", seed: 35, maxLifetimeIntervals: 120);
        await Poll.UntilAsync(async () => await atOld.ScalarAsync($"sum(job:instances_live:count{{job=\"{Job}\"}})") is > 0, Deadline, "the old revision sees live instances");
        await using var @new = await StartScraperAsync(target, writeUrl, "ca-prom-agg--new");
        using var atNew = new PrometheusQueryClient(new Uri(@new.Url, "/"));
        var newStartedAt = Now();
        var oldSentAtNewStart = await SentAsync(atOld);
        const string Both = "count(count by (replica) (job:instances_live:count)) == 2";
        await Poll.UntilAsync(async () => await atReceiver.ScalarAsync(Both) == 2, Deadline, "the receiver gets the recorded series from both revisions");
        var overlapFrom = Now();

        // Inside the overlap: every panel and alert expression answers on the receiver the series the old revision alone
        // answers, none twice (a series keeping replica would be one line per revision), and the same values (a sum over
        // both revisions would read double). Both revisions evaluate a moment apart, so an instance starting or stopping between their
        // evaluations can differ for that moment: the comparison is repeated at the receiver's newest time until it holds.
        var doubled = new List<string>();
        try
        {
            await Poll.UntilAsync(async () => (doubled = await OverlapDifferencesAsync(atOld, atReceiver)).Count == 0, overlap / 2, "the receiver answers as the old revision alone");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"With both revisions writing, the receiver's answers differ from the old revision's:\n{string.Join("\n", doubled)}");
        }

        await Poll.UntilAsync(() => Now() >= overlapFrom + overlap.TotalSeconds, overlap + Deadline, "the overlap's end");
        var (oldSent, newSent) = (await SentAsync(atOld) - oldSentAtNewStart, await SentAsync(atNew));
        await old.StopGracefullyAsync(Deadline);
        var overlapTo = Now();
        var fleet = await running;
        await FleetComparison.WaitForFinalScrapesAsync(atNew, fleet, Deadline);

        var events = fleet.Instances.SelectMany(i => i.Events).ToList();
        var end = events.Max(e => e.At) + RateWindow.TotalSeconds + (5 * Interval.TotalSeconds);
        await Poll.UntilAsync(async () => await NewestAsync(atReceiver) >= end + BatchDeadline, RateWindow + (2 * Deadline), "the recorded rates pass the last payment by their window");
        var range = (int)Math.Ceiling(end - started + 10);
        var total = string.Create(CultureInfo.InvariantCulture,
            $"sum(sum_over_time((max without (replica) (job_status:payment_requests:rate5m))[{range}s:{Interval.TotalSeconds}s])) * {Interval.TotalSeconds}");
        var counted = await atReceiver.ScalarAsync(total, end) ?? 0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"both revisions wrote for {overlapTo - newStartedAt:F1} s: the new one sent {newSent:F0} samples, a second copy beside the old one's {oldSent:F0} ({newSent / oldSent:P0} of them); payments over the run from the recorded rates: {counted:F2} of {events.Count}"));
        Assert.True(Math.Abs(counted - events.Count) <= Tolerance * events.Count, $"{counted:F2} payments counted over the run, the fleet made {events.Count}");
    }

    /// <summary>
    /// At the receiver's newest time, with both revisions' samples in it: the expressions whose series differ between the
    /// old revision alone and the receiver, or whose values differ by more than <see cref="OverlapTolerance"/>.
    /// </summary>
    private static async Task<List<string>> OverlapDifferencesAsync(PrometheusQueryClient old, PrometheusQueryClient receiver)
    {
        var time = await NewestAsync(receiver);
        await Poll.UntilAsync(async () => await NewestAsync(receiver) >= time + BatchDeadline, Deadline, "the receiver has everything up to the comparison time");
        var differences = new List<string>();
        if (await receiver.ScalarAsync("count(count by (replica) (job:instances_live:count))", time) != 2)
        {
            differences.Add("the receiver does not hold both revisions' recorded series");
        }

        foreach (var (name, expr) in EndToEndTests.DashboardQueries().Select(q => (q.Name, q.Expr)).Concat(AlertExpressions()))
        {
            var alone = (await old.QueryAsync(expr, time)).ToDictionary(Key, s => s.Value, StringComparer.Ordinal);
            var both = (await receiver.QueryAsync(expr, time)).ToDictionary(Key, s => s.Value, StringComparer.Ordinal);
            if (!alone.Keys.Order(StringComparer.Ordinal).SequenceEqual(both.Keys.Order(StringComparer.Ordinal)))
            {
                differences.Add($"{name}: the old revision alone [{string.Join(", ", alone.Keys)}], the receiver [{string.Join(", ", both.Keys)}]");
                continue;
            }

            // The values that a sum over both revisions would double. Not each scraper's own health (its queue and lag
            // are its own), nor push ages (each revision takes the age at its own evaluation, a moment apart).
            if (!expr.Contains("scraper:", StringComparison.Ordinal) && !expr.Contains("push_age", StringComparison.Ordinal))
            {
                differences.AddRange(alone.Where(a => Difference(a.Value, both[a.Key]) > OverlapTolerance)
                    .Select(a => $"{name} {a.Key}: the old revision alone {a.Value:R}, the receiver {both[a.Key]:R}"));
            }
        }

        return differences;
    }

    /// <summary>Samples a scraper has sent to the receiver so far (its own <c>prometheus_remote_storage_samples_total</c>).</summary>
    private static async Task<double> SentAsync(PrometheusQueryClient scraper) =>
        await scraper.ScalarAsync("sum(prometheus_remote_storage_samples_total{job=\"aggregating-scraper\"})") ?? 0;

    /// <summary>Starts the workspace's stand-in: a Prometheus with the remote-write receiver on and the repository's alerts.</summary>
    private static Task<PrometheusProcess> StartReceiverAsync() =>
        PrometheusProcess.StartServerAsync(_ => ReceiverConfiguration(), ["--web.enable-remote-write-receiver"]);

    /// <summary>Starts the aggregating scraper as the Bicep configures it, scraping <paramref name="target"/> and writing to <paramref name="writeUrl"/>.</summary>
    private static Task<PrometheusProcess> StartScraperAsync(string target, Uri writeUrl, string revision = Revision) =>
        PrometheusProcess.StartServerAsync(port => ScraperConfiguration(port, target, writeUrl, revision), ShippedScraperFlags());

    /// <summary>Waits until the receiver holds the gateway's <c>up</c>, written by a scraper.</summary>
    private static Task ReceivesUpAsync(PrometheusQueryClient atReceiver) =>
        Poll.UntilAsync(async () => await atReceiver.ScalarAsync("max without (replica) (up{job=\"pushgateway\"})") == 1, Deadline,
            "the receiver gets the gateway's up from the scraper");

    private static string AlertExpression(string alert) =>
        AlertExpressions().Single(a => a.Name == $"alert {alert}").Expr;

    /// <summary>The newest recorded sample a Prometheus holds (Unix seconds).</summary>
    private static async Task<double> NewestAsync(PrometheusQueryClient prometheus) =>
        await prometheus.ScalarAsync("max(timestamp(pushgateway:up:min15m))") ?? 0;

    /// <summary>
    /// Runs <paramref name="instances"/> instances with lifetimes from half a scrape interval to
    /// <paramref name="maxLifetimeIntervals"/> of them (at 60: a quarter below one, a quarter between one and two).
    /// </summary>
    private static async Task<FleetResult> RunFleetAsync(PushgatewayProcess gateway, int instances, string prefix, int seed, int maxLifetimeIntervals = 60)
    {
        var plan = FleetPlan.Create(new FleetPlanOptions
        {
            Seed = seed, Instances = instances, ScrapeInterval = Interval, InstancePrefix = prefix, MaxLifetimeIntervals = maxLifetimeIntervals,
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

    private static bool Agrees(double scraper, double receiver) => Difference(scraper, receiver) <= Tolerance;

    /// <summary>Relative difference; 0 for equal values and for NaN on both sides.</summary>
    private static double Difference(double scraper, double receiver) =>
        scraper == receiver || (double.IsNaN(scraper) && double.IsNaN(receiver))
            ? 0
            : Math.Abs(scraper - receiver) / Math.Max(Math.Abs(scraper), Math.Abs(receiver));

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
    private static string ScraperConfiguration(int port, string target, Uri remoteWriteUrl, string revision = Revision)
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
        return Replace(configuration, "${CONTAINER_APP_REVISION}", revision);
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
