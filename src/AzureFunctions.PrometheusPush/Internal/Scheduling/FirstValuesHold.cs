namespace AzureFunctions.PrometheusPush.Internal.Scheduling;

/// <summary>
/// The first-values hold (<see cref="PushOptions.FirstValuesDelaySeconds"/>), for a scraper that does not store a zero
/// at a series' created timestamp: counts go out at 0 until the first push has landed and the delay has passed since,
/// so that the scraper sees every series at 0 before its first value. Off (<see cref="State.Released"/>) with a delay of 0.
/// </summary>
internal sealed class FirstValuesHold
{
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _delay;
    private readonly object _lock = new();
    private State _state;
    private long _releaseAt;

    public FirstValuesHold(TimeSpan delay, TimeProvider timeProvider)
    {
        _delay = delay;
        _timeProvider = timeProvider;
        _state = delay > TimeSpan.Zero ? State.WaitingForFirstPush : State.Released;
    }

    public enum State
    {
        /// <summary>No push has landed yet: counts go out at 0.</summary>
        WaitingForFirstPush,

        /// <summary>The first push landed: counts go out at 0 until the release time.</summary>
        Counting,

        /// <summary>Counts go out as they are.</summary>
        Released,
    }

    /// <summary>Whether the hold is still waiting for its first push to land (that push should go out at once).</summary>
    public bool WaitingForFirstPush
    {
        get
        {
            lock (_lock)
            {
                return _state == State.WaitingForFirstPush;
            }
        }
    }

    /// <summary>Whether the next push holds its counts at 0 (releasing the hold once its time has come).</summary>
    public bool Holding()
    {
        lock (_lock)
        {
            if (_state == State.Counting && _timeProvider.GetTimestamp() >= _releaseAt)
            {
                _state = State.Released;
            }

            return _state != State.Released;
        }
    }

    /// <summary>A held push landed: the first one starts the delay.</summary>
    public void Landed()
    {
        lock (_lock)
        {
            if (_state == State.WaitingForFirstPush)
            {
                _state = State.Counting;
                _releaseAt = _timeProvider.GetTimestamp() + (long)(_delay.TotalSeconds * _timeProvider.TimestampFrequency);
            }
        }
    }

    /// <summary>The wait until the counts may go out, when that is sooner than <paramref name="interval"/>; else the interval.</summary>
    public TimeSpan Until(TimeSpan interval)
    {
        lock (_lock)
        {
            if (_state != State.Counting)
            {
                return interval;
            }

            var untilRelease = TimeSpan.FromSeconds((double)(_releaseAt - _timeProvider.GetTimestamp()) / _timeProvider.TimestampFrequency);
            return untilRelease < interval ? (untilRelease > TimeSpan.Zero ? untilRelease : TimeSpan.Zero) : interval;
        }
    }
}
