using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Configuration;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Scheduling;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Back-pressure, closed loop: every group pushes as the app's pusher does under invocations all the time, the least time
/// between two push starts set by the app's own <see cref="PushPacer"/> (the cadence, stretched while pushes are slow or
/// refused as overloaded, recovering as they are fast), each push bounded by the app's push timeout. Each push carries
/// the group's push count as a gauge after the app's payload, so that at the end every group's value in the gateway can
/// be checked against the last push the gateway accepted: a stretched interval may delay values, never lose them.
/// Latency is measured per push from its start (a closed loop has no schedule to queue against).
/// </summary>
internal sealed class PacedPushes(Func<int, Uri> groupUrl, PushFormat payload, int concurrency)
{
    /// <summary>The gauge each push carries: how many pushes the group has made, this one included.</summary>
    public const string SequenceMetric = "capacity_push_sequence";

    private static readonly PushOptions App = new();

    public async Task<PacedOutcome> RunAsync(int groups, Cadence cadence, TimeSpan period, int seed)
    {
        var random = new Random(seed);
        var phases = Enumerable.Range(0, groups).Select(_ => cadence.Every * random.NextDouble()).ToArray();
        var accepted = new long[groups];
        var intervals = new TimeSpan[groups];
        var pushes = new List<(TimeSpan At, double Ms, bool Overloaded)>[groups];

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var clock = Stopwatch.StartNew();

        async Task GroupAsync(int group)
        {
            var pacer = new PushPacer(cadence.Every, App.EffectiveMaxBackoff(), TimeSpan.FromSeconds(App.SlowPushSeconds));
            var log = pushes[group] = [];
            var next = phases[group];
            for (long sequence = 1; next < period; sequence++)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var started = clock.Elapsed;
                var (ok, overloaded) = await PushAsync(http, groupUrl(group), sequence);
                var took = clock.Elapsed - started;
                if (ok)
                {
                    accepted[group] = sequence;
                }

                overloaded |= took > TimeSpan.FromSeconds(App.SlowPushSeconds);
                log.Add((started, took.TotalMilliseconds, overloaded));
                pacer.Observe(overloaded, took);
                next = started + pacer.Interval;
            }

            intervals[group] = pacer.Interval;
        }

        await Task.WhenAll(Enumerable.Range(0, groups).Select(GroupAsync));
        return new PacedOutcome(groups, cadence, period, accepted, intervals, [.. pushes.SelectMany(p => p)]);
    }

    /// <summary>Each group's value of <see cref="SequenceMetric"/> in the gateways now, by group.</summary>
    public static async Task<long[]> SequencesAsync(IEnumerable<Testing.PushgatewayProcess> gateways, int groups, Func<int, string> instance)
    {
        var byInstance = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var gateway in gateways)
        {
            var text = await gateway.ScrapeAsync();
            foreach (var sample in text.Samples.Where(s => s.Name == SequenceMetric))
            {
                byInstance[sample.Labels["instance"]] = (long)sample.Value;
            }
        }

        return [.. Enumerable.Range(0, groups).Select(g => byInstance.GetValueOrDefault(instance(g), -1))];
    }

    /// <summary>One PUT of the payload and the sequence gauge; whether the gateway accepted it and whether it was overloaded.</summary>
    private async Task<(bool Ok, bool Overloaded)> PushAsync(HttpClient http, Uri url, long sequence)
    {
        using var timeout = new CancellationTokenSource(CapacitySettings.AppPushTimeout);
        try
        {
            using var content = payload.Content(Sequence(sequence));
            using var response = await http.PutAsync(url, content, timeout.Token);
            return (response.IsSuccessStatusCode, PushClient.IsOverload(response.StatusCode));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return (false, true);
        }
        catch (HttpRequestException)
        {
            return (false, false);
        }
    }

    /// <summary>The sequence gauge in the payload's encoding, to go after it (a gzip member of its own when compressed).</summary>
    private byte[] Sequence(long sequence)
    {
        var text = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"# TYPE {SequenceMetric} gauge\n{SequenceMetric} {sequence}\n"));
        if (payload.Name == PushFormat.Text)
        {
            return text;
        }

        var protobuf = PushFormat.ProtobufOf(text);
        if (!payload.Gzip)
        {
            return protobuf;
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(protobuf);
        }

        return compressed.ToArray();
    }
}

/// <summary>What a paced run measured: every push (start, latency, overloaded), each group's last accepted push and final interval.</summary>
internal sealed class PacedOutcome(
    int groups, Cadence cadence, TimeSpan period, long[] accepted, TimeSpan[] intervals, IReadOnlyList<(TimeSpan At, double Ms, bool Overloaded)> pushes)
{
    public int Groups => groups;

    public Cadence Cadence => cadence;

    /// <summary>Each group's last push the gateway accepted (its sequence number).</summary>
    public IReadOnlyList<long> Accepted => accepted;

    /// <summary>Pushes per second offered without back-pressure: every group at the cadence.</summary>
    public double UnpacedPerSecond => groups / cadence.Every.TotalSeconds;

    /// <summary>The second half of the period: where the fleet has settled.</summary>
    public IReadOnlyList<(TimeSpan At, double Ms, bool Overloaded)> Settled { get; } = [.. pushes.Where(p => p.At >= period / 2)];

    public double SettledPerSecond => Settled.Count / (period / 2).TotalSeconds;

    public double FirstHalfPercentile(double p) => Percentile([.. pushes.Where(x => x.At < period / 2).Select(x => x.Ms)], p);

    public double SettledPercentile(double p) => Percentile([.. Settled.Select(x => x.Ms)], p);

    public int SettledOverloaded => Settled.Count(p => p.Overloaded);

    public double MeanFinalIntervalSeconds => intervals.Average(i => i.TotalSeconds);

    public int StretchedAtEnd => intervals.Count(i => i > cadence.Every);

    private static double Percentile(double[] values, double p)
    {
        Array.Sort(values);
        return values.Length == 0 ? double.NaN : values[Math.Clamp((int)Math.Ceiling(p * values.Length) - 1, 0, values.Length - 1)];
    }
}
