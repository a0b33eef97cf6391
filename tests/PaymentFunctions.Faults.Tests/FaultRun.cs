using System.Globalization;
using System.Net.Sockets;
using PaymentFunctions.Fleet;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Faults.Tests;

/// <summary>One read of the payments-per-second panel, with the true rate it may show at that moment.</summary>
internal sealed record PanelRead(double At, double Observed, double Low, double High)
{
    public bool Over => Observed > High;

    public bool Under => Observed < Low;

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{At:F0}: {Observed:F3}/s, truth {Low:F3}-{High:F3}/s");
}

/// <summary>What a fault did to what Prometheus answers: the counts at the last scrape, the panel over the run, the alerts.</summary>
internal sealed record FaultOutcome(
    string Fault,
    double Counted,
    double True,
    double MayLose,
    IReadOnlyList<PanelRead> Panel,
    IReadOnlyDictionary<string, string> Alerts,
    double FaultAt)
{
    /// <summary>Counted over true minus one: 0 is exact, +0.4 would be 40 % counted twice.</summary>
    public double CountError => (Counted / True) - 1;

    /// <summary>The largest share the panel read above the truth, 0 when never.</summary>
    public double WorstOver => Panel.Where(r => r.Over).Select(r => (r.Observed / r.High) - 1).DefaultIfEmpty(0).Max();

    /// <summary>Seconds from the fault to the last read below the truth (0: never below).</summary>
    public double UnderUntil => Panel.Where(r => r.Under).Select(r => r.At - FaultAt).DefaultIfEmpty(0).Max();

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Fault}: counted {Counted:F1} of {True} payments at the last scrape ({CountError:+0.00%;-0.00%;0.00%}, may lose {MayLose}); "
        + $"panel {Panel.Count} reads, {Panel.Count(r => r.Over)} above the truth (worst {WorstOver:+0.0%;-0.0%;0.0%}), {Panel.Count(r => r.Under)} below it, the last {UnderUntil:F0} s after the fault; "
        + $"alerts: {(Alerts.Count == 0 ? "none" : string.Join(", ", Alerts.Select(a => $"{a.Key} ({a.Value})")))}");
}

/// <summary>
/// Runs <see cref="FaultFleet"/> against gateways and a Prometheus (the repository's configuration and rules, scraping and
/// evaluating every second), reads the payments-per-second panel and the alerts every two seconds while a fault is
/// applied at <see cref="FaultFleet.FaultAt"/>, then compares what Prometheus counted at its last scrape with what the
/// instances did. The truth of the panel at a read is the rate of the payments made up to then: a payment reaches the
/// panel after its push (at most a second), a scrape and an evaluation (a second each), and <c>rate()</c> extrapolates
/// half a scrape past the newest sample, so the reads are compared with a band from 5 s before to 1 s after, and 2 %.
/// </summary>
internal sealed class FaultRun(ITestOutputHelper output)
{
    public const string Job = "payment-functions";
    private const double Window = 300;
    private const double Margin = 0.02;

    private static readonly string Panel = $"sum(job_status:payment_requests:rate5m{{job=\"{Job}\"}})";

    private readonly List<PanelRead> _reads = [];
    private readonly Dictionary<string, string> _alerts = new(StringComparer.Ordinal);
    private readonly List<double> _certain = [];
    private readonly List<double> _all = [];

    /// <summary>The Prometheus reads go to; a fault may replace it (a restart).</summary>
    public PrometheusProcess? Prometheus { get; set; }

    /// <summary>Unix seconds of the fleet's start.</summary>
    public double StartedAt { get; private set; }

    /// <summary>
    /// Runs the fleet of <paramref name="plan"/> with <paramref name="settings"/>, calls <paramref name="fault"/> at
    /// <see cref="FaultFleet.FaultAt"/>, reads the panel and the alerts until the fleet ended, and returns the outcome.
    /// <paramref name="blackout"/> (seconds from the fleet's start) is when no push can land: an instance that stops
    /// inside it cannot deliver what it did since its last push before it, which the fault may then lose.
    /// </summary>
    public async Task<FaultOutcome> RunAsync(string name, FleetPlan plan, FleetSettings settings, Func<Task> fault, (double From, double To)? blackout = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(fault);
        await Poll.UntilAsync(async () => await ScalarAsync("count(up{job=\"pushgateway\"} == 1)") is > 0, TimeSpan.FromSeconds(30), "Prometheus scrapes the gateways");
        // Before the first scrape PushgatewayDown's absent() holds for an evaluation: the run starts once it is over.
        await Poll.UntilAsync(async () => (await Prometheus!.QueryAsync("ALERTS{alertname=\"PushgatewayDown\"}")).Count == 0, TimeSpan.FromSeconds(30), "PushgatewayDown is not pending before the run");
        StartedAt = Now();
        using var reading = new CancellationTokenSource();
        var fleet = new FleetRunner(TimeProvider.System).RunAsync(plan, settings, CancellationToken.None);
        var reads = ReadAsync(reading.Token);
        await Poll.UntilAsync(() => Now() >= StartedAt + FaultFleet.FaultAt.TotalSeconds, FaultFleet.FaultAt + TimeSpan.FromSeconds(10), "the fault's moment");
        output.WriteLine($"[{Now() - StartedAt:F0} s] fault: {name}");
        await fault();
        var result = await fleet;
        await reading.CancelAsync();
        await reads;

        var window = blackout is { } b ? (StartedAt + b.From, StartedAt + b.To) : ((double, double)?)null;

        // The panel's truth: at least every payment the fault cannot lose, at most every payment.
        foreach (var instance in result.Instances)
        {
            var lostAfter = LostAfter(instance, window);
            _certain.AddRange(instance.Events.Where(e => e.At <= lostAfter).Select(e => e.At));
            _all.AddRange(instance.Events.Select(e => e.At));
        }

        var (time, counted) = await FinalCountAsync(result, window);
        var outcome = new FaultOutcome(name, counted, result.Totals.Payments, MayLose(result, window), [.. _reads.Select(Judge)], _alerts, StartedAt + FaultFleet.FaultAt.TotalSeconds);
        output.WriteLine($"Last scrape at {time:F3}; panel reads:\n{string.Join("\n", outcome.Panel.Select(r => (r.Over ? "OVER  " : r.Under ? "UNDER " : "      ") + r.Describe()))}");
        output.WriteLine(outcome.Summary());
        return outcome;
    }

    /// <summary>Seconds since the fleet started, for the fault's own timeline.</summary>
    public double Elapsed => Now() - StartedAt;

    /// <summary>Waits until <paramref name="seconds"/> from the fleet's start (a fault's later step).</summary>
    public Task UntilAsync(double seconds) =>
        Poll.UntilAsync(() => Elapsed >= seconds, TimeSpan.FromSeconds(seconds + 30), $"{seconds} s into the run");

    public void Log(string what) => output.WriteLine($"[{Elapsed:F0} s] {what}");

    private async Task ReadAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var value = await ScalarAsync(Panel);
                var at = await ScalarAsync($"max(timestamp(job_status:payment_requests:rate5m{{job=\"{Job}\"}}))");
                if (value is { } observed && at is { } evaluated)
                {
                    _reads.Add(new PanelRead(evaluated, observed, 0, 0));
                }

                // MetricPushAbsent is pending until the first instances pushed, a few seconds in: alerts count from 10 s on.
                foreach (var alert in Elapsed < 10 ? [] : await Prometheus!.QueryAsync("ALERTS"))
                {
                    var name = alert.Label("alertname");
                    var state = alert.Label("alertstate");
                    if (!_alerts.TryGetValue(name, out var seen) || (seen == "pending" && state == "firing"))
                    {
                        _alerts[name] = state;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException or InvalidOperationException)
            {
                // Prometheus itself is down (one of the faults): nothing to read meanwhile.
            }

            try
            {
                await Task.Delay(2000, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private PanelRead Judge(PanelRead read)
    {
        // Up to 10 payments of slack each way: extrapolation (half a scrape of every instance) and the moment of the read.
        var low = ((PaidUntil(_certain, read.At - 5) - 10) / Window) * (1 - Margin);
        var high = ((PaidUntil(_all, read.At + 1) + 10) / Window) * (1 + Margin);
        return read with { Low = low, High = high };
    }

    private static double PaidUntil(List<double> payments, double at) => payments.Count(p => p <= at && p > at - Window);

    /// <summary>
    /// Payments the fleet may lose by design: a killed instance's since its last push (the busy cadence pushes at most a
    /// second after a payment; a push takes a moment more), and those of an instance that stopped while no push could
    /// land since its last push before that; nothing for any other.
    /// </summary>
    private static double MayLose(FleetResult fleet, (double From, double To)? blackout) =>
        fleet.Instances.Sum(i => i.Events.Count(e => e.At > LostAfter(i, blackout)));

    /// <summary>After when (Unix seconds) the instance's payments may be lost: never, unless it was killed or stopped in the blackout.</summary>
    private static double LostAfter(InstanceTruth instance, (double From, double To)? blackout) =>
        instance.KilledAt is { } killed ? killed - 2.5
        : blackout is { } b && StoppedInside(instance, b) ? b.From - 2.5
        : double.PositiveInfinity;

    private static bool StoppedInside(InstanceTruth instance, (double From, double To) blackout) =>
        instance.Events.Count > 0 && instance.Events[^1].At >= blackout.From - 2.5 && instance.Events[^1].At <= blackout.To;

    /// <summary>
    /// Waits until Prometheus' last scrape, taken after the fleet ended, holds the final counter of every instance that
    /// stopped after the fault, gracefully and outside the blackout (the groups of those that stopped before it may be
    /// gone with a crashed gateway; their samples stay in Prometheus), and returns that scrape's time and the payments
    /// counted over the run at it.
    /// </summary>
    private async Task<(double Time, double Counted)> FinalCountAsync(FleetResult fleet, (double From, double To)? blackout)
    {
        double time = 0;
        var ended = fleet.Instances.Max(i => i.Events.Count > 0 ? i.Events[^1].At : 0);
        var final = fleet.Instances
            .Where(i => i.KilledAt is null && i.Events.Count > 0 && i.Events[^1].At > StartedAt + FaultFleet.FaultAt.TotalSeconds)
            .Where(i => blackout is not { } b || !StoppedInside(i, b))
            .ToList();
        var behind = "nothing scraped yet";
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (await ScalarAsync("max(timestamp(up{job=\"pushgateway\"}))") is not { } scrape)
                    {
                        return false;
                    }

                    time = scrape;
                    var raw = (await Prometheus!.QueryAsync($"sum by (instance) (payment_requests_total{{job=\"{Job}\"}})", scrape))
                        .ToDictionary(s => s.Label("instance"), s => s.Value, StringComparer.Ordinal);
                    var late = final.Where(i => raw.GetValueOrDefault(i.Id, -1) != i.Payments).ToList();
                    behind = late.Count == 0 ? $"the scrape at {scrape:F0} is before the fleet ended ({ended:F0})"
                        : string.Join(", ", late.Select(i => $"{i.Id}: {raw.GetValueOrDefault(i.Id, double.NaN)} of {i.Payments}"));
                    return late.Count == 0 && scrape > ended + 3;
                },
                TimeSpan.FromSeconds(60),
                "Prometheus scraped every instance's final push");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Behind: {behind}", ex);
        }

        var counted = await ScalarAsync($"sum(increase(payment_requests_total{{job=\"{Job}\"}}[10m]))", time) ?? 0;
        return (time, counted);
    }

    private async Task<double?> ScalarAsync(string query, double? time = null) =>
        (await Prometheus!.QueryAsync(query, time)).SingleOrDefault()?.Value;

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
