using Google.Protobuf.WellKnownTypes;

namespace AzureFunctions.PrometheusPush.Internal.Encoding;

/// <summary>
/// When each counter, histogram and summary series of the registry was created (at zero), for its created timestamp.
/// prometheus-net does not keep it, so it is read off the collections: a series in the instance's first collection was
/// created at start-up (the app creates the label sets it knows at zero there), so it gets the instance's start time; a
/// series that first shows in a later collection was created after the collection before it began, and gets that time.
/// Either is at or before the series' first increment, which is all a scraper's zero sample needs (<c>increase()</c>
/// then counts the rise from it). A series no longer collected is forgotten, so one that comes back (from zero) gets a
/// new time. One call per collection (<see cref="Assign"/>), by <see cref="PushEncoder"/>.
/// </summary>
internal sealed class SeriesCreationTimes(DateTimeOffset startedAt)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Timestamp> _series = new(StringComparer.Ordinal);
    private Timestamp _createdBefore = Truncated(startedAt);

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

    /// <summary>
    /// The created timestamp of every series of one collection, which began at <paramref name="collectionStarted"/>:
    /// known series keep theirs, new ones get the start of the collection before; series the collection lacks are forgotten.
    /// </summary>
    public IReadOnlyDictionary<string, Timestamp> Assign(IEnumerable<string> series, DateTimeOffset collectionStarted)
    {
        ArgumentNullException.ThrowIfNull(series);
        lock (_lock)
        {
            var assigned = new Dictionary<string, Timestamp>(StringComparer.Ordinal);
            foreach (var key in series)
            {
                assigned[key] = _series.TryGetValue(key, out var created) ? created : _createdBefore;
            }

            _series.Clear();
            foreach (var (key, created) in assigned)
            {
                _series.Add(key, created);
            }

            _createdBefore = Truncated(collectionStarted);
            return assigned;
        }
    }

    private static Timestamp Truncated(DateTimeOffset time) =>
        Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()));
}
