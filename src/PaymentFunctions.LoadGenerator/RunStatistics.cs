namespace PaymentFunctions.LoadGenerator;

/// <summary>
/// Thread-safe record of a run: every response's status code and latency, and every transport failure (no HTTP
/// response: connection refused, DNS, TLS, timeout). Latency percentiles are over responses only.
/// </summary>
internal sealed class RunStatistics
{
    private readonly Lock _gate = new();
    private readonly List<double> _latenciesMs = [];
    private readonly SortedDictionary<int, long> _statusCounts = [];
    private readonly SortedDictionary<string, long> _transportErrors = new(StringComparer.Ordinal);
    private long _inFlight;

    public long Responses { get { lock (_gate) { return _latenciesMs.Count; } } }

    public long TransportErrors { get { lock (_gate) { return _transportErrors.Values.Sum(); } } }

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    public void RecordResponse(int statusCode, TimeSpan latency)
    {
        lock (_gate)
        {
            _latenciesMs.Add(latency.TotalMilliseconds);
            _statusCounts[statusCode] = _statusCounts.GetValueOrDefault(statusCode) + 1;
        }

        Interlocked.Decrement(ref _inFlight);
    }

    public void RecordTransportError(string kind)
    {
        lock (_gate)
        {
            _transportErrors[kind] = _transportErrors.GetValueOrDefault(kind) + 1;
        }

        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>A request that ended without outcome (the run was cancelled): neither a response nor an error.</summary>
    public void RequestAbandoned() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Counts only, cheap enough for the once-a-second progress line.</summary>
    public ProgressSnapshot Progress(TimeSpan elapsed)
    {
        lock (_gate)
        {
            return new ProgressSnapshot(
                elapsed,
                _latenciesMs.Count,
                _transportErrors.Values.Sum(),
                InFlight,
                _statusCounts.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value),
                _statusCounts.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value),
                _statusCounts.Where(s => s.Key >= 500).Sum(s => s.Value));
        }
    }

    /// <summary>The final numbers, with exact latency percentiles.</summary>
    public RunSummary Summarise(string target, string mode, TimeSpan elapsed, bool unreachable)
    {
        lock (_gate)
        {
            var responses = (long)_latenciesMs.Count;
            var errors = _transportErrors.Values.Sum();
            var seconds = elapsed.TotalSeconds;
            return new RunSummary(
                target,
                mode,
                Math.Round(seconds, 3),
                responses + errors,
                responses,
                errors,
                seconds > 0 ? Math.Round((responses + errors) / seconds, 2) : 0,
                LatencySummary.Of(_latenciesMs) is { } l
                    ? new LatencySummary(Math.Round(l.P50, 2), Math.Round(l.P95, 2), Math.Round(l.P99, 2), Math.Round(l.Max, 2))
                    : null,
                new SortedDictionary<int, long>(_statusCounts),
                new SortedDictionary<string, long>(_transportErrors, StringComparer.Ordinal),
                unreachable);
        }
    }
}

internal sealed record ProgressSnapshot(TimeSpan Elapsed, long Responses, long TransportErrors, long InFlight, long Status2xx, long Status4xx, long Status5xx);

/// <summary>What the run did; written as text or JSON.</summary>
internal sealed record RunSummary(
    string Target,
    string Mode,
    double ElapsedSeconds,
    long Requests,
    long Responses,
    long TransportErrors,
    double ThroughputPerSecond,
    LatencySummary? LatencyMs,
    IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long> TransportErrorKinds,
    bool Unreachable);
