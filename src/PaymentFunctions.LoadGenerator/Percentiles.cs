namespace PaymentFunctions.LoadGenerator;

/// <summary>Exact percentiles over recorded values (no histogram approximation).</summary>
internal static class Percentiles
{
    /// <summary>
    /// The nearest-rank percentile of ascending <paramref name="sorted"/> values: the smallest value such that at
    /// least <paramref name="percent"/> % of the values are less than or equal to it (rank ceil(p/100 * n), 1-based).
    /// </summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record LatencySummary(double P50, double P95, double P99, double Max)
{
    /// <summary>The summary of the latencies, or null when there are none.</summary>
    public static LatencySummary? Of(IEnumerable<double> latenciesMs)
    {
        var sorted = latenciesMs.Order().ToArray();
        return sorted.Length == 0
            ? null
            : new LatencySummary(
                Percentiles.NearestRank(sorted, 50),
                Percentiles.NearestRank(sorted, 95),
                Percentiles.NearestRank(sorted, 99),
                sorted[^1]);
    }
}
