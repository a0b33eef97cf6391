namespace PaymentFunctions.Metrics;

/// <summary>
/// Where and how the registry is pushed. Bound from the configuration section <c>MetricPush</c>
/// (app settings <c>MetricPush__Url</c>, <c>MetricPush__IntervalSeconds</c>, ...).
/// </summary>
public sealed class MetricPushOptions
{
    public const string SectionName = "MetricPush";

    /// <summary>The values of <see cref="Format"/>.</summary>
    public const string ProtobufFormat = "protobuf";

    /// <summary>The text format 0.0.4, for a gateway that cannot take protobuf.</summary>
    public const string TextFormat = "text";

    /// <summary>
    /// Base URL of the Pushgateway, for example <c>http://127.0.0.1:9091</c>; or the base URLs of several Pushgateways
    /// (shards) separated by commas, each instance pushing to the one its <c>instance</c> label hashes to
    /// (<see cref="PushShards"/>), with Prometheus scraping them all. Empty: metrics are not pushed.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>The <c>job</c> label of the pushed group.</summary>
    public string Job { get; set; } = "payment-functions";

    /// <summary>
    /// The <c>instance</c> label of the pushed group. Empty: <c>WEBSITE_INSTANCE_ID</c>, else machine name and process id.
    /// </summary>
    public string? Instance { get; set; }

    /// <summary>Seconds between two pushes when no invocation asks for one (keeps an idle instance's group fresh).</summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Seconds a single push attempt may take before it is abandoned (reason <c>timeout</c>).</summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>
    /// Least seconds between the starts of two pushes: push requests of invocations inside it coalesce into one push
    /// (capped at <see cref="IntervalSeconds"/>).
    /// </summary>
    public double MinIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// Seconds after the first push that lands during which counters and histograms are pushed at 0 (gauges as they are),
    /// for a scraper that cannot see a new series' first value: <c>rate()</c> and <c>increase()</c> count nothing for the
    /// rise to a series' first sample unless the scraper stores a 0 at its created timestamp. Every shipped Prometheus
    /// does (<c>--enable-feature=created-timestamp-zero-ingestion</c>, with protobuf pushes through the shipped Pushgateway
    /// 1.11), so the default is 0: values go out at once. Set it to at least the scrape interval plus a margin (20 with
    /// the shipped 15 s) when the scraper or the gateway lacks created timestamps: a Prometheus without the feature (Debian
    /// 12's 2.42 lacks it), a scraper that asks for text, <see cref="Format"/> <c>text</c>. The final push at shutdown always carries every value.
    /// </summary>
    public double FirstValuesDelaySeconds { get; set; }

    /// <summary>
    /// How pushes are encoded: <c>protobuf</c> (delimited <c>io.prometheus.client.MetricFamily</c>, every counter,
    /// histogram and summary with its created timestamp) or <c>text</c> (format 0.0.4, no created timestamps).
    /// </summary>
    public string Format { get; set; } = ProtobufFormat;

    /// <summary>
    /// Whether pushes are gzip-compressed (<c>Content-Encoding: gzip</c>, read by Pushgateway 1.5 and newer). Off by
    /// default: measured at 1,000 busy instances it cuts a protobuf push from about 6 KB to 2 KB but does not lower the
    /// gateway's CPU per push (0.50-0.53 ms against 0.41-0.51 ms, docs/scale.md); on for a metered or slow network.
    /// </summary>
    public bool Gzip { get; set; }

    /// <summary>
    /// Seconds above which a push that landed (retries included) counts as the gateway being overloaded, like a timeout or
    /// an HTTP 429 or 503: the instance then stretches the time between its pushes (back-pressure, <see cref="PushPacer"/>).
    /// A healthy gateway answers within tens of milliseconds (docs/scale.md).
    /// </summary>
    public double SlowPushSeconds { get; set; } = 0.5;

    /// <summary>
    /// Longest time between two pushes while the gateway is overloaded, in seconds: the back-off doubles the interval up
    /// to this, and takes it back step by step as pushes are fast again. Keep it at most half the freshness window of the
    /// rules (30 s), so a live instance never drops off the live panels while it backs off.
    /// </summary>
    public double MaxBackoffSeconds { get; set; } = 15;

    /// <summary>Retries of a failed push attempt (connection error, timeout, 5xx, 408, 429) before the push is given up.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Base delay of the exponential backoff between retries, in seconds (jittered).</summary>
    public double RetryDelaySeconds { get; set; } = 0.5;

    /// <summary>Seconds the final push at host shutdown may take, retries included; below the worker's grace period of about 5 s.</summary>
    public double ShutdownPushSeconds { get; set; } = 3;

    /// <summary>Basic-auth user name for the Pushgateway (HTTPS only). Empty: no authentication.</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password (in Azure a Key Vault reference). Never logged or echoed.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Minutes after its last successful push at which the janitor deletes a group of this job
    /// (raised to three push intervals if shorter).
    /// </summary>
    public double GroupTtlMinutes { get; set; } = 15;

    /// <summary>
    /// Seconds after its final push at which the janitor deletes the group of an instance that stopped gracefully (its
    /// final push set <c>metric_push_final_timestamp_seconds</c>). The default, 330, is the 5-minute window over which the
    /// shipped rules and panels take <c>rate()</c> plus two 15 s scrape intervals: by then Prometheus has scraped the
    /// final values and no 5-minute window still holds a change of them, so the deletion changes no query result. A
    /// group deleted sooner ends its series while a window still holds their rise, and <c>rate()</c> extrapolates an
    /// ended series by half a scrape interval: the fleet's rates would read high (docs/fleet.md). A silent group (no final
    /// push) keeps <see cref="GroupTtlMinutes"/>.
    /// </summary>
    public double FinishedGroupRetentionSeconds { get; set; } = 330;

    /// <summary>
    /// As <see cref="FinishedGroupRetentionSeconds"/>, for a finished group that counted push failures: the push-failure
    /// rule (<c>instance:metric_push_failures:increase10m</c>) looks back 10 minutes, so 630 s (10 minutes and two scrapes).
    /// </summary>
    public double FailedGroupRetentionSeconds { get; set; } = 630;

    /// <summary>The minimum interval in force: never longer than the interval itself.</summary>
    internal TimeSpan EffectiveMinInterval => TimeSpan.FromSeconds(Math.Min(MinIntervalSeconds, IntervalSeconds));

    /// <summary>The longest stretched interval: never below the minimum interval.</summary>
    internal TimeSpan EffectiveMaxBackoff => TimeSpan.FromSeconds(Math.Max(MaxBackoffSeconds, EffectiveMinInterval.TotalSeconds));

    internal TimeSpan FirstValuesDelay => TimeSpan.FromSeconds(FirstValuesDelaySeconds);

    /// <summary>How long a finished group is kept: never longer than the TTL of a silent one.</summary>
    internal TimeSpan EffectiveFinishedRetention(bool countedFailures) =>
        TimeSpan.FromSeconds(Math.Min(countedFailures ? Math.Max(FailedGroupRetentionSeconds, FinishedGroupRetentionSeconds) : FinishedGroupRetentionSeconds, EffectiveGroupTtl.TotalSeconds));

    /// <summary>The TTL in force: at least three push intervals, so a live (idle) instance is never expired.</summary>
    internal TimeSpan EffectiveGroupTtl => TimeSpan.FromSeconds(Math.Max(GroupTtlMinutes * 60, 3 * IntervalSeconds));

    /// <summary>The entries of <see cref="Url"/>, trimmed, in order (empty entries kept, for the validator to name).</summary>
    internal IReadOnlyList<string> UrlEntries => string.IsNullOrWhiteSpace(Url) ? [] : Url.Split(',', StringSplitOptions.TrimEntries);

    /// <summary>The Pushgateway base URLs, one per shard, in the configured order (valid once the options are validated).</summary>
    internal IReadOnlyList<Uri> ShardUrls => [.. UrlEntries.Select(e => new Uri(e, UriKind.Absolute))];

    internal bool PushesText => string.Equals(Format, TextFormat, StringComparison.OrdinalIgnoreCase);

    internal bool IsEnabled => !string.IsNullOrWhiteSpace(Url);

    internal bool HasCredentials => !string.IsNullOrEmpty(Username);

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"MetricPushOptions(Url={Url}, Job={Job}, Instance={Instance}, Username={(HasCredentials ? "set" : "none")})";
}
