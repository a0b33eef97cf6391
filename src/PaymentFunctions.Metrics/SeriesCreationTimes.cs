using Google.Protobuf.WellKnownTypes;

namespace PaymentFunctions.Metrics;

/// <summary>
/// When each counter, histogram and summary series of the registry was created (at zero), for its created timestamp.
/// prometheus-net does not keep it, so it is read off the collections: a series in the instance's first collection
/// was created at start-up (every label set the app knows is created at zero there), so it gets the instance's start
/// time; a series that first shows in a later collection was created after the collection before it began, and gets
/// that time. Either is at or before the series' first increment, which is all a scraper's zero sample needs
/// (<c>increase()</c> then counts the rise from it). A series no longer collected is forgotten, so one that comes back
/// (from zero) gets a new time.
/// </summary>
internal sealed class SeriesCreationTimes(TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _series = new(StringComparer.Ordinal);
    private Timestamp _createdBefore = Truncated(timeProvider.GetUtcNow());
    private Timestamp? _collecting;
    private long _collection;

    /// <summary>The series known now (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _series.Count;
            }
        }
    }

    /// <summary>The instance started at <paramref name="startedAt"/>: series of the first collection were created then.</summary>
    public void Started(DateTimeOffset startedAt)
    {
        lock (_lock)
        {
            if (_collection == 0)
            {
                _createdBefore = Truncated(startedAt);
            }
        }
    }

    /// <summary>Call right before the registry is collected: a series new in this collection existed no earlier than now.</summary>
    public void Collecting()
    {
        lock (_lock)
        {
            _collecting = Truncated(timeProvider.GetUtcNow());
            _collection++;
        }
    }

    /// <summary>The created timestamp of a series seen in the current collection.</summary>
    public Timestamp Of(string family, string labels)
    {
        var key = string.Concat(family, "\0", labels);
        lock (_lock)
        {
            if (_series.TryGetValue(key, out var entry))
            {
                _series[key] = entry with { LastSeen = _collection };
                return entry.Created;
            }

            _series.Add(key, new Entry(_createdBefore, _collection));
            return _createdBefore;
        }
    }

    /// <summary>The current collection is read: forget series it lacked; series new in the next one were created after it began.</summary>
    public void Collected()
    {
        lock (_lock)
        {
            foreach (var (key, entry) in _series)
            {
                if (entry.LastSeen != _collection)
                {
                    _series.Remove(key);
                }
            }

            if (_collecting is { } collecting)
            {
                _createdBefore = collecting;
                _collecting = null;
            }
        }
    }

    private static Timestamp Truncated(DateTimeOffset time) =>
        Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()));

    private readonly record struct Entry(Timestamp Created, long LastSeen);
}
