using System.Diagnostics;
using System.Net.Http.Headers;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Every group re-PUTs the same payload at its cadence, with a random phase (seeded), for a fixed period: an open-loop
/// schedule. A push waits for one of at most <c>concurrency</c> slots; its latency counts from its scheduled time, so
/// a gateway that cannot keep up shows as queueing in the percentiles instead of as a slower offered rate. Pushes not
/// answered within <see cref="CapacitySettings.Grace"/> after the period are cancelled and count as not done.
/// </summary>
internal sealed class OpenLoopPushes(Func<int, Uri> groupUrl, PushFormat payload, int concurrency)
{
    public async Task<PushOutcome> RunAsync(int groups, Cadence cadence, TimeSpan period, int seed)
    {
        var schedule = Schedule(groups, cadence.Every, period, seed);
        var latency = new double[schedule.Length];
        Array.Fill(latency, double.PositiveInfinity);
        var completedAt = new TimeSpan[schedule.Length];
        var succeeded = new bool[schedule.Length];
        var errors = 0;

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var slots = new SemaphoreSlim(concurrency);
        using var end = new CancellationTokenSource(period + CapacitySettings.Grace);
        var inFlight = new List<Task>(schedule.Length);
        var clock = Stopwatch.StartNew();

        async Task PushAsync(int index)
        {
            try
            {
                using var content = payload.Content();
                using var response = await http.PutAsync(groupUrl(schedule[index].Group), content, end.Token);
                var now = clock.Elapsed;
                completedAt[index] = now;
                latency[index] = (now - schedule[index].At).TotalMilliseconds;
                succeeded[index] = response.IsSuccessStatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
                // Not done within the period and its grace: stays at infinity.
            }
            catch (HttpRequestException)
            {
                latency[index] = (clock.Elapsed - schedule[index].At).TotalMilliseconds;
                Interlocked.Increment(ref errors);
            }
            finally
            {
                slots.Release();
            }
        }

        try
        {
            for (var i = 0; i < schedule.Length; i++)
            {
                var wait = schedule[i].At - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, end.Token);
                }

                await slots.WaitAsync(end.Token);
                inFlight.Add(PushAsync(i));
            }
        }
        catch (OperationCanceledException) when (end.IsCancellationRequested)
        {
            // The rest of the schedule was never sent: not done.
        }

        await Task.WhenAll(inFlight);
        var done = Enumerable.Range(0, schedule.Length).Count(i => succeeded[i] && completedAt[i] <= period);
        return new PushOutcome(schedule.Length, done, errors, period, latency);
    }

    /// <summary>Every push of every group within the period, in time order; each group starts at a random phase of its cadence.</summary>
    private static ScheduledPush[] Schedule(int groups, TimeSpan every, TimeSpan period, int seed)
    {
        var random = new Random(seed);
        var pushes = new List<ScheduledPush>();
        for (var group = 0; group < groups; group++)
        {
            for (var at = every * random.NextDouble(); at < period; at += every)
            {
                pushes.Add(new ScheduledPush(group, at));
            }
        }

        return [.. pushes.OrderBy(p => p.At)];
    }

    private readonly record struct ScheduledPush(int Group, TimeSpan At);
}

/// <summary>
/// What an open-loop run measured: pushes offered (scheduled), answered within the period, errors, and the latency of
/// every scheduled push in ms (infinity when it was not answered by the end of the grace time).
/// </summary>
internal sealed class PushOutcome(int offered, int doneInPeriod, int errors, TimeSpan period, double[] latencyMs)
{
    private readonly double[] _sorted = [.. latencyMs.Order()];

    public int Offered => offered;

    public int Errors => errors;

    public int NotDone => _sorted.Count(double.IsPositiveInfinity);

    public int SlowerThanAppTimeout => _sorted.Count(l => l > CapacitySettings.AppPushTimeout.TotalMilliseconds && !double.IsPositiveInfinity(l));

    public double OfferedPerSecond => offered / period.TotalSeconds;

    public double DonePerSecond => doneInPeriod / period.TotalSeconds;

    /// <summary>Pushes answered, whenever (the period's and the grace's).</summary>
    public int Answered => _sorted.Length - NotDone;

    /// <summary>Nearest-rank percentile in ms (infinity when that push was not done).</summary>
    public double Percentile(double p) => _sorted.Length == 0
        ? double.NaN
        : _sorted[Math.Clamp((int)Math.Ceiling(p * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];
}
