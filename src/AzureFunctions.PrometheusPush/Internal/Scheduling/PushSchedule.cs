using System.Threading.Channels;

namespace AzureFunctions.PrometheusPush.Internal.Scheduling;

/// <summary>
/// When the next push starts: at once when asked (<see cref="Request"/>) but never sooner than the pacer's interval after
/// the last one started, else after the idle interval; requests that arrive meanwhile coalesce into that push. The pace
/// stretches while the gateway is overloaded (<see cref="PushPacer"/>), and the first-values hold may bring the next
/// push forward (<see cref="FirstValuesHold"/>).
/// </summary>
internal sealed class PushSchedule(TimeSpan idleInterval, PushPacer pacer, FirstValuesHold hold, TimeProvider timeProvider)
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private long _lastStarted = long.MinValue;

    /// <summary>Asks for a push soon; returns at once and never throws.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>A push starts now (from the loop, a direct push or the final push).</summary>
    public void Started() => Interlocked.Exchange(ref _lastStarted, timeProvider.GetTimestamp());

    /// <summary>
    /// Waits until the next push is due: a request (or the idle interval, or the end of the hold) and the pacer's least
    /// interval since the last push started. Requests made until it returns are served by that push.
    /// </summary>
    public async Task WaitAsync(CancellationToken stopping)
    {
        var minInterval = pacer.Interval;
        await WaitForRequestAsync(hold.Until(idleInterval > minInterval ? idleInterval : minInterval), stopping).ConfigureAwait(false);

        var lastStarted = Interlocked.Read(ref _lastStarted);
        if (lastStarted != long.MinValue)
        {
            var sinceLast = timeProvider.GetElapsedTime(lastStarted);
            if (sinceLast < minInterval)
            {
                await Task.Delay(minInterval - sinceLast, timeProvider, stopping).ConfigureAwait(false);
            }
        }

        _requests.Reader.TryRead(out _);
    }

    private async Task WaitForRequestAsync(TimeSpan interval, CancellationToken stopping)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(interval, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await _requests.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The interval passed without a request: push anyway, so an idle instance's group stays fresh.
        }
    }
}
