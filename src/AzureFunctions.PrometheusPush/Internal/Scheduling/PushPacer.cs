namespace AzureFunctions.PrometheusPush.Internal.Scheduling;

/// <summary>
/// Back-pressure for one instance's pushes: the least time between two pushes, stretched while the Pushgateway is
/// overloaded and brought back as it recovers, so a fleet sheds load on a gateway that cannot keep up instead of
/// queueing on it. A push counts as overloaded when it fails with a timeout, HTTP 429, 502, 503 or 504, or lands but took
/// longer than <see cref="PushOptions.SlowPushSeconds"/> (retries included). Each overloaded push doubles the
/// interval, up to <see cref="PushOptions.MaxBackoffSeconds"/>; each fast successful push takes a quarter off
/// it, down to the configured <see cref="PushOptions.MinIntervalSeconds"/> (multiplicative back-off, gradual
/// recovery: a fleet that came back all at once would overload the gateway again). A gateway that refuses the
/// connection is down, not overloaded: that does not stretch (there is no load to shed, and the instance should find it
/// as soon as it is back). Counters accumulate meanwhile, so a stretched interval delays values but loses none.
/// </summary>
internal sealed class PushPacer(TimeSpan baseInterval, TimeSpan maxInterval, TimeSpan slowPush)
{
    private const double Stretch = 2;
    private const double Recover = 0.75;
    private static readonly TimeSpan Least = TimeSpan.FromSeconds(0.1);

    private long _intervalTicks = baseInterval.Ticks;

    /// <summary>The least time between the starts of two pushes now.</summary>
    public TimeSpan Interval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _intervalTicks));
        private set => Interlocked.Exchange(ref _intervalTicks, value.Ticks);
    }

    /// <summary>Whether the interval is stretched beyond the configured one.</summary>
    public bool Stretched => Interval > baseInterval;

    /// <summary>
    /// Takes one push's outcome and how long it took; returns what changed: <see cref="PaceChange.Stretched"/> when this
    /// push started a back-off, <see cref="PaceChange.Recovered"/> when the interval is back at the configured one.
    /// </summary>
    public PaceChange Observe(bool overloaded, TimeSpan took)
    {
        var wasStretched = Stretched;
        if (overloaded || took > slowPush)
        {
            var stretched = (Interval > Least ? Interval : Least) * Stretch;
            Interval = stretched < maxInterval ? stretched : maxInterval;
        }
        else if (wasStretched)
        {
            var recovered = Interval * Recover;
            Interval = recovered > baseInterval ? recovered : baseInterval;
        }

        return (wasStretched, Stretched) switch
        {
            (false, true) => PaceChange.Stretched,
            (true, false) => PaceChange.Recovered,
            _ => PaceChange.None,
        };
    }
}

/// <summary>What one observed push changed in the pace.</summary>
internal enum PaceChange
{
    None,
    Stretched,
    Recovered,
}
