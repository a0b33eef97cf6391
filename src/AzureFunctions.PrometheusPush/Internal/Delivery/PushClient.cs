using System.Net;
using AzureFunctions.PrometheusPush.Internal.Encoding;
using AzureFunctions.PrometheusPush.Internal.Health;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>
/// The single push path: collects the registry, encodes it (<see cref="PushEncoder"/>) and PUTs it to the instance's
/// group, so series that left the registry leave the gateway too. Every attempt collects again (a retry carries the
/// newest values), is bounded by <see cref="PushOptions.TimeoutSeconds"/>, and failed attempts are retried with
/// exponential, jittered back-off by a Polly pipeline.
/// <para>
/// Nothing is lost to the protobuf encoding: a registry that cannot be encoded goes out as text for that push (counted
/// as a failure with reason <c>encoding</c>); a gateway that refuses protobuf (HTTP 400 or 415) while it takes the same
/// values as text gets text from then on. Each is reported once in <see cref="PushOutcome.Warning"/>.
/// </para>
/// </summary>
internal sealed class PushClient
{
    private readonly Func<HttpClient> _httpClient;
    private readonly PushHealthMetrics _health;
    private readonly Func<Stream, CancellationToken, Task> _collect;
    private readonly PushEncoder _encoder;
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly OnceWarning _encodingWarning = new();
    private volatile bool _text;
    private int _encodingFailureReported;

    /// <param name="httpClient">Gives the client to send with (from <see cref="IHttpClientFactory"/> in an app).</param>
    /// <param name="health">The push health metrics, where an encoding failure is counted.</param>
    /// <param name="collect">Writes the registry's text exposition (prometheus-net's <c>CollectAndExportAsTextAsync</c>).</param>
    /// <param name="settings">The push settings.</param>
    /// <param name="timeProvider">The clock of retries, timeouts and collections.</param>
    /// <param name="startedAt">When the instance started: the created time of the series of its first collection.</param>
    public PushClient(
        Func<HttpClient> httpClient, PushHealthMetrics health, Func<Stream, CancellationToken, Task> collect,
        PushOptions settings, TimeProvider timeProvider, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _httpClient = httpClient;
        _health = health;
        _collect = collect;
        _timeProvider = timeProvider;
        _text = settings.Format == PushFormat.Text;
        _encoder = new PushEncoder(startedAt, settings.Gzip);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (settings.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(settings.RetryDelaySeconds),
                MaxDelay = TimeSpan.FromSeconds(Math.Max(settings.RetryDelaySeconds, settings.IntervalSeconds)),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(static r => IsTransient(r.StatusCode)),
            });
        }

        _pipeline = pipeline.AddTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds)).Build();
    }

    /// <summary>Whether pushes go out as text (configured so, or fallen back to after the gateway refused protobuf).</summary>
    public bool PushesText => _text;

    /// <summary>The encoder of this client's pushes (for tests).</summary>
    internal PushEncoder Encoder => _encoder;

    /// <summary>
    /// Pushes the registry to <paramref name="groupUrl"/>; with <paramref name="holdCounts"/> every count goes out at 0.
    /// Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<PushOutcome> PushAsync(Uri groupUrl, bool holdCounts, CancellationToken cancellationToken)
    {
        var attempts = 0;
        string? warning = null;
        try
        {
            var text = _text;
            var response = await ExecuteAsync(text).ConfigureAwait(false);
            if (!text && response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType)
            {
                // Refused as protobuf: the same values as text tell a gateway that cannot read protobuf from a push it
                // refuses whatever its format (an inconsistent metric, say), which stays on protobuf.
                var refusal = $"HTTP {(int)response.StatusCode}: {await ReadReasonAsync(response, cancellationToken).ConfigureAwait(false)}";
                HttpResponseMessage asText;
                try
                {
                    asText = await ExecuteAsync(text: true).ConfigureAwait(false);
                }
                catch
                {
                    response.Dispose();
                    throw;
                }

                if (asText.IsSuccessStatusCode)
                {
                    _text = true;
                    warning = $"the Pushgateway refused the protobuf push ({refusal}) and took it as text; pushing text from now on, without created timestamps (a scraper then needs FirstValuesDelaySeconds to count a new instance's first values)";
                    response.Dispose();
                    response = asText;
                }
                else
                {
                    asText.Dispose();
                }
            }

            using (response)
            {
                return response.IsSuccessStatusCode
                    ? PushOutcome.Succeeded(attempts) with { Warning = warning ?? _encodingWarning.Take() }
                    : PushOutcome.Failed(attempts, FailureReasons.For(response.StatusCode), $"HTTP {(int)response.StatusCode}") with
                    {
                        Warning = _encodingWarning.Take(),
                        Overloaded = IsOverload(response.StatusCode),
                    };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return PushOutcome.Failed(attempts, FailureReasons.Timeout, "no answer within the push timeout") with { Warning = _encodingWarning.Take(), Overloaded = true };
        }
        catch (HttpRequestException ex)
        {
            // The message names the endpoint and the socket error, never a header: credentials cannot leak through it.
            return PushOutcome.Failed(attempts, FailureReasons.For(ex), ex.Message) with { Warning = _encodingWarning.Take() };
        }

        ValueTask<HttpResponseMessage> ExecuteAsync(bool text) => _pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                return await SendAsync(groupUrl, holdCounts, text, token, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri groupUrl, bool holdCounts, bool text, CancellationToken attempt, CancellationToken push)
    {
        var (body, contentType) = await SerialiseAsync(holdCounts, text, attempt).ConfigureAwait(false);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentType;
        if (_encoder.Gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, groupUrl) { Content = content };
        request.Options.Set(PushRequest.Stopping, push);
        return await _httpClient().SendAsync(request, attempt).ConfigureAwait(false);
    }

    /// <summary>The body of one push attempt and its content type.</summary>
    internal async Task<(byte[] Body, System.Net.Http.Headers.MediaTypeHeaderValue ContentType)> SerialiseAsync(bool holdCounts, bool text, CancellationToken cancellationToken)
    {
        var collectionStarted = _timeProvider.GetUtcNow();
        using var collected = new MemoryStream();
        await _collect(collected, cancellationToken).ConfigureAwait(false);
        var exposition = collected.GetBuffer().AsMemory(0, (int)collected.Length);
        if (!text)
        {
            try
            {
                return _encoder.Encode(exposition.Span, collectionStarted, holdCounts, text: false);
            }
            catch (FormatException ex)
            {
                // Never a lost count: this push goes out as text; the failure is counted and reported once.
                ReportEncodingFailure("the registry could not be encoded as protobuf, so it was pushed as text", ex);
                if (!holdCounts)
                {
                    return _encoder.Encode(exposition.Span, collectionStarted, holdCounts: false, text: true);
                }
            }
        }

        try
        {
            return _encoder.Encode(exposition.Span, collectionStarted, holdCounts, text: true);
        }
        catch (FormatException ex)
        {
            // A held push reads the text to zero its counts; unreadable, it goes out as collected rather than not at all.
            if (text)
            {
                ReportEncodingFailure("the registry could not be read to hold its counts at 0, so it was pushed as collected", ex);
            }

            return _encoder.Encode(exposition.Span, collectionStarted, holdCounts: false, text: true);
        }
    }

    /// <summary>Counts an encoding failure (reason <c>encoding</c>) and reports the first one in the next outcome's warning.</summary>
    private void ReportEncodingFailure(string what, FormatException ex)
    {
        _health.Failures.WithLabels(FailureReasons.Encoding).Inc();
        if (Interlocked.Exchange(ref _encodingFailureReported, 1) == 0)
        {
            _encodingWarning.Set($"{what} ({ex.Message})");
        }
    }

    /// <summary>The start of a refusal's body, on one line: the Pushgateway says there what it could not read.</summary>
    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).ReplaceLineEndings(" ").Trim();
        return body.Length == 0 ? "no reason given" : body.Length <= 200 ? body : string.Concat(body.AsSpan(0, 200), "...");
    }

    /// <summary>Whether an answer says the gateway is overloaded: the pacer backs off (<see cref="Scheduling.PushPacer"/>).</summary>
    internal static bool IsOverload(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>A warning handed out once, to the first push outcome after it was set.</summary>
    private sealed class OnceWarning
    {
        private string? _text;

        public void Set(string text) => Interlocked.Exchange(ref _text, text);

        public string? Take() => Interlocked.Exchange(ref _text, null);
    }
}

/// <summary>
/// What became of one push (all its attempts): success, or the failure reason of the last attempt; a warning to log
/// once, when the push changed how pushes are encoded; and whether the failure says the gateway is overloaded (a
/// timeout, HTTP 429, 502, 503 or 504).
/// </summary>
internal readonly record struct PushOutcome(bool Success, int Attempts, string? Reason, string? Detail, string? Warning = null)
{
    public bool Overloaded { get; init; }

    public static PushOutcome Succeeded(int attempts) => new(true, attempts, null, null);

    public static PushOutcome Failed(int attempts, string reason, string detail) => new(false, attempts, reason, detail);
}
