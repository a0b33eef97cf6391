namespace AzureFunctions.PrometheusPush;

/// <summary>
/// Where and how the registry is pushed, bound from the configuration section named at registration
/// (<see cref="PrometheusPushExtensions"/>):
/// for the section <c>MetricPush</c>, the app settings <c>MetricPush__Url</c>, <c>MetricPush__Job</c>, ... Every value is
/// checked at start-up; a bad one stops the app with a message naming the setting.
/// </summary>
public sealed class PushOptions
{
    /// <summary>
    /// Base URL of the Pushgateway, for example <c>https://pushgateway.example.net</c>; or the base URLs of several
    /// Pushgateways (shards) separated by commas, each instance pushing to the one its <c>instance</c> label hashes to.
    /// Empty: nothing is pushed (logged once at start-up).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>The <c>job</c> label of every group this app pushes. Empty: the Function App's name (<c>WEBSITE_SITE_NAME</c>).</summary>
    public string? Job { get; set; }

    /// <summary>
    /// The <c>instance</c> label of this instance's group. Empty: the id the Functions host gives the instance (on Flex
    /// Consumption and Linux Consumption <c>WEBSITE_POD_NAME</c>, else <c>CONTAINER_NAME</c>; elsewhere
    /// <c>WEBSITE_INSTANCE_ID</c>; outside Azure machine name and process id), with the worker's process id appended when
    /// the host runs several worker processes (<c>FUNCTIONS_WORKER_PROCESS_COUNT</c> above 1).
    /// </summary>
    public string? Instance { get; set; }

    /// <summary>Seconds between two pushes when nothing asks for one: keeps an idle instance's group fresh.</summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Least seconds between the starts of two pushes: requests inside it coalesce into one push.</summary>
    public double MinIntervalSeconds { get; set; } = 1;

    /// <summary>How pushes are encoded (<c>protobuf</c> or <c>text</c>).</summary>
    public PushFormat Format { get; set; } = PushFormat.Protobuf;

    /// <summary>Whether pushes are gzip-compressed (<c>Content-Encoding: gzip</c>, Pushgateway 1.5 and newer).</summary>
    public bool Gzip { get; set; }

    /// <summary>
    /// Seconds after the first push lands during which counters and histograms go out at 0 (gauges as they are): for a
    /// scraper that does not store a zero at a series' created timestamp, so that it scrapes every series at 0 before
    /// its first value. 0 (the default) with a scraper that does; else at least its scrape interval plus a margin.
    /// </summary>
    public double FirstValuesDelaySeconds { get; set; }

    /// <summary>Seconds one push attempt may take before it is abandoned (failure reason <c>timeout</c>).</summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>Retries of a failed attempt (connection error, timeout, 5xx, 408, 429) before the push is given up (0-10).</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Base delay of the exponential, jittered back-off between retries, in seconds.</summary>
    public double RetryDelaySeconds { get; set; } = 0.5;

    /// <summary>Seconds the final push at shutdown may take, retries included; below the worker's grace period (about 5 s).</summary>
    public double ShutdownPushSeconds { get; set; } = 3;

    /// <summary>
    /// Seconds above which a push that landed counts as the gateway being overloaded, like a timeout or an HTTP 429, 502,
    /// 503 or 504: the instance then stretches the time between its pushes (back-pressure).
    /// </summary>
    public double SlowPushSeconds { get; set; } = 0.5;

    /// <summary>Longest time between two pushes while the gateway is overloaded, in seconds.</summary>
    public double MaxBackoffSeconds { get; set; } = 15;

    /// <summary>Basic-auth user name (https only). Empty: no authentication.</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password; in Azure a Key Vault reference. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Never prints the password.</summary>
    public override string ToString() =>
        $"PushOptions(Url={Url}, Job={Job}, Instance={Instance}, Format={Format}, Username={(string.IsNullOrEmpty(Username) ? "none" : "set")})";
}
