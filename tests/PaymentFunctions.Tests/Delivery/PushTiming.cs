using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// A fake clock that also tells which timers were created and for how long: the pusher waits only on timers of its
/// clock, so a test can see that it is parked on the wait it expects (and on nothing shorter) before moving time.
/// </summary>
internal sealed class WatchedClock() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
{
    private readonly ConcurrentQueue<TimeSpan> _timers = new();

    /// <summary>Due times of every timer created so far, oldest first.</summary>
    public IReadOnlyList<TimeSpan> Timers => [.. _timers];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits (on real time, with a deadline) until <paramref name="count"/> timers of <paramref name="dueTime"/> were created.</summary>
    public Task UntilTimersAsync(TimeSpan dueTime, int count, string what) =>
        Poll.UntilAsync(() => _timers.Count(t => t == dueTime) >= count, Gateways.Deadline,
            $"{what} (a {dueTime.TotalSeconds} s timer created {count} time(s); timers so far: {string.Join(", ", _timers.Select(t => t.TotalSeconds))} s)");
}

/// <summary>
/// Stands in for a Pushgateway: records every push (with the fake time it arrived and its body) and answers 200 (or
/// <see cref="Status"/>), holds a push until the test releases it, or takes <see cref="Takes"/> of fake time to answer.
/// </summary>
internal sealed class RecordingGateway(TimeProvider clock) : HttpMessageHandler
{
    public static readonly Uri Url = new("http://pushgateway.test:9091/");

    private readonly ConcurrentQueue<(TimeSpan At, HttpMethod Method, string Body)> _requests = new();
    private readonly DateTimeOffset _start = clock.GetUtcNow();
    private TaskCompletionSource? _hold;

    /// <summary>PUTs received so far: when (since the gateway was made, on the fake clock) and what they carried.</summary>
    public IReadOnlyList<(TimeSpan At, PrometheusText Text)> Pushes =>
        [.. _requests.Where(r => r.Method == HttpMethod.Put).Select(r => (r.At, PrometheusText.Parse(r.Body)))];

    public int PushCount => _requests.Count(r => r.Method == HttpMethod.Put);

    /// <summary>The status every push gets from now on.</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    /// <summary>How long every push takes from now on, on the fake clock (which it advances): a slow gateway.</summary>
    public TimeSpan Takes { get; set; }

    /// <summary>The next pushes wait until <see cref="Release"/>.</summary>
    public void Hold() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => Interlocked.Exchange(ref _hold, null)?.SetResult();

    public Task UntilPushesAsync(int count, string what) =>
        Poll.UntilAsync(() => PushCount >= count, Gateways.Deadline, $"{what} ({count} push(es) received; {PushCount} so far)");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await PushedBody.ToTextAsync(request.Content, cancellationToken);
        _requests.Enqueue((clock.GetUtcNow() - _start, request.Method, body));
        if (request.Method == HttpMethod.Put && _hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        if (request.Method == HttpMethod.Put && Takes > TimeSpan.Zero)
        {
            ((FakeTimeProvider)clock).Advance(Takes);
        }

        return new HttpResponseMessage(request.Method == HttpMethod.Put ? Status : HttpStatusCode.OK) { Content = new StringContent(string.Empty) };
    }
}
