namespace PaymentFunctions.LoadGenerator.Tests;

public sealed class StatisticsTests
{
    [Theory]
    [InlineData(50, 50.0)]
    [InlineData(95, 95.0)]
    [InlineData(99, 99.0)]
    [InlineData(100, 100.0)]
    [InlineData(1, 1.0)]
    [InlineData(0.5, 1.0)]
    public void Nearest_rank_percentiles_of_1_to_100_are_the_values_themselves(double percent, double expected)
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(expected, Percentiles.NearestRank(values, percent));
    }

    [Fact]
    public void Percentiles_of_few_values_pick_the_smallest_value_covering_the_share()
    {
        double[] values = [10, 20, 30, 40];

        Assert.Equal(20, Percentiles.NearestRank(values, 50));
        Assert.Equal(30, Percentiles.NearestRank(values, 50.1));
        Assert.Equal(40, Percentiles.NearestRank(values, 95));
        Assert.Equal(40, Percentiles.NearestRank(values, 99));
        Assert.Equal(7, Percentiles.NearestRank([7.0], 99));
    }

    [Fact]
    public void The_latency_summary_sorts_and_takes_p50_p95_p99_and_max()
    {
        var shuffled = Enumerable.Range(1, 200).Select(i => (double)i).Reverse().ToArray();

        var summary = LatencySummary.Of(shuffled);

        Assert.Equal(new LatencySummary(100, 190, 198, 200), summary);
        Assert.Null(LatencySummary.Of([]));
    }

    [Fact]
    public void The_run_summary_counts_statuses_and_transport_errors_and_measures_latency_over_responses_only()
    {
        var statistics = new RunStatistics();
        int[] statuses = [200, 200, 402, 504, 200];
        for (var i = 0; i < statuses.Length; i++)
        {
            statistics.RequestStarted();
            statistics.RecordResponse(statuses[i], TimeSpan.FromMilliseconds(10 * (i + 1)));
        }

        statistics.RequestStarted();
        statistics.RecordTransportError("Timeout");

        var summary = statistics.Summarise("http://t/", "closed, concurrency 1", TimeSpan.FromSeconds(2), unreachable: false);

        Assert.Equal(6, summary.Requests);
        Assert.Equal(5, summary.Responses);
        Assert.Equal(1, summary.TransportErrors);
        Assert.Equal(3, summary.ThroughputPerSecond);
        Assert.Equal(new Dictionary<int, long> { [200] = 3, [402] = 1, [504] = 1 }, summary.StatusCodes);
        Assert.Equal(new Dictionary<string, long> { ["Timeout"] = 1 }, summary.TransportErrorKinds);
        Assert.Equal(new LatencySummary(30, 50, 50, 50), summary.LatencyMs);
        Assert.Equal(0, statistics.InFlight);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5", 1_500)]
    public void Durations_read_as_people_type_them(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("soon")]
    [InlineData("2d")]
    public void Nonsense_or_non_positive_durations_are_refused(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }

    [Fact]
    public void A_function_key_in_the_url_query_is_masked_when_printed()
    {
        var printed = LoadRunner.RedactedUrl(new Uri("https://app.example/api/payments?code=s3cr3t&x=1"));

        Assert.Equal("https://app.example/api/payments?code=***&x=1", printed);
    }
}

public sealed class ProgressReporterTests
{
    private static readonly ProgressSnapshot Snapshot = new(TimeSpan.FromSeconds(2), 8, 2, 1, 5, 2, 1);

    [Fact]
    public void On_a_terminal_the_line_is_rewritten_in_place_and_ended_once()
    {
        using var error = new StringWriter();
        var reporter = new ProgressReporter(error, terminal: true);

        reporter.Complete(Snapshot);

        Assert.Equal("\r[   2.0s] done 10  2xx 5  4xx 2  5xx 1  errors 2  in flight 1  5.0 req/s" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Redirected_the_progress_is_one_plain_line_each_time()
    {
        using var error = new StringWriter();
        var reporter = new ProgressReporter(error, terminal: false);

        reporter.Complete(Snapshot);

        Assert.Equal("[   2.0s] done 10  2xx 5  4xx 2  5xx 1  errors 2  in flight 1  5.0 req/s" + Environment.NewLine, error.ToString());
    }
}
