using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PaymentFunctions.Metrics;

/// <summary>
/// The app's single push path: serialises the registry and PUTs it to the instance's group, so series that left the
/// registry leave the gateway too. By default the push is protobuf (<see cref="ProtobufExposition"/>) with every
/// counter, histogram and summary carrying its created timestamp (gzip-compressed with <see cref="MetricPushOptions.Gzip"/>); <see cref="MetricPushOptions.Format"/>
/// <c>text</c> pushes prometheus-net's text exposition instead. Every attempt re-serialises the registry (a retry
/// carries the newest values), is bounded by <see cref="MetricPushOptions.TimeoutSeconds"/>, and failed attempts are
/// retried with exponential, jittered backoff by a Polly pipeline.
/// <para>
/// Nothing is lost to the new encoding: a registry that cannot be encoded goes out as text for that push (counted as
/// a failure with reason <c>encoding</c>); a gateway that refuses protobuf (HTTP 400 or 415) while it takes the same
/// values as text gets text from then on. Each is reported once in <see cref="PushOutcome.Warning"/>.
/// </para>
/// </summary>
internal sealed class MetricPushClient
{
    private static readonly MediaTypeHeaderValue TextFormat = MediaTypeHeaderValue.Parse("text/plain; version=0.0.4; charset=utf-8");
    private static readonly MediaTypeHeaderValue ProtobufFormat = MediaTypeHeaderValue.Parse(ProtobufExposition.ContentType);

    private readonly Func<HttpClient> _httpClient;
    private readonly PaymentMetrics _metrics;
    private readonly Func<Stream, CancellationToken, Task> _export;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly bool _gzip;
    private readonly OnceWarning _encodingWarning = new();
    private volatile bool _text;
    private int _encodingFailureReported;

    /// <param name="httpClient">Gives the client to send with (from <see cref="IHttpClientFactory"/> in the app).</param>
    /// <param name="export">Writes the text exposition to push; the registry's own unless a test gives another.</param>
    public MetricPushClient(
        Func<HttpClient> httpClient, PaymentMetrics metrics, MetricPushOptions settings, TimeProvider timeProvider,
        Func<Stream, CancellationToken, Task>? export = null)
    {
        _httpClient = httpClient;
        _metrics = metrics;
        _export = export ?? ((stream, token) => metrics.Registry.CollectAndExportAsTextAsync(stream, token));
        _text = settings.PushesText;
        _gzip = settings.Gzip;
        CreationTimes = new SeriesCreationTimes(timeProvider);
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

    /// <summary>When each series was created, for the created timestamps of protobuf pushes.</summary>
    public SeriesCreationTimes CreationTimes { get; }

    /// <summary>Whether pushes go out as text (configured so, or fallen back to after the gateway refused protobuf).</summary>
    public bool PushesText => _text;

    /// <summary>
    /// Pushes the registry to <paramref name="groupUrl"/>; with <paramref name="holdValues"/> every counter and histogram
    /// goes out at 0 (see <see cref="HeldExposition"/>). Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<PushOutcome> PushAsync(Uri groupUrl, bool holdValues, CancellationToken cancellationToken)
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
                    warning = $"the Pushgateway refused the protobuf push ({refusal}) and took it as text; pushing text from now on, without created timestamps (a scraper then needs MetricPush__FirstValuesDelaySeconds to count a new instance's first values)";
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
                    : PushOutcome.Failed(attempts, PushTelemetryHandler.ReasonFor(response.StatusCode), $"HTTP {(int)response.StatusCode}") with { Warning = _encodingWarning.Take(), Overloaded = IsOverload(response.StatusCode) };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return PushOutcome.Failed(attempts, "timeout", "no answer within the push timeout") with { Warning = _encodingWarning.Take(), Overloaded = true };
        }
        catch (HttpRequestException ex)
        {
            // The message names the endpoint and the socket error, never a header: credentials cannot leak through it.
            return PushOutcome.Failed(attempts, PushTelemetryHandler.ReasonFor(ex), ex.Message) with { Warning = _encodingWarning.Take() };
        }

        ValueTask<HttpResponseMessage> ExecuteAsync(bool text) => _pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                return await SendAsync(groupUrl, holdValues, text, token).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri groupUrl, bool holdValues, bool text, CancellationToken cancellationToken)
    {
        var (body, contentType) = await SerialiseAsync(holdValues, text, cancellationToken).ConfigureAwait(false);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentType;
        if (_gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, groupUrl) { Content = content };
        return await _httpClient().SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body of one push attempt and its content type (gzip-compressed when configured).</summary>
    internal async Task<(byte[] Body, MediaTypeHeaderValue ContentType)> SerialiseAsync(bool holdValues, bool text, CancellationToken cancellationToken)
    {
        CreationTimes.Collecting();
        using var exposition = new MemoryStream();
        await _export(exposition, cancellationToken).ConfigureAwait(false);
        var collected = exposition.GetBuffer().AsSpan(0, (int)exposition.Length);
        using var output = new MemoryStream();
        using (var body = _gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : (Stream)output)
        {
            if (!text)
            {
                try
                {
                    using var encoded = new MemoryStream();
                    ProtobufExposition.Write(collected, CreationTimes, holdValues, encoded);
                    encoded.Position = 0;
                    encoded.CopyTo(body);
                    body.Flush();
                }
                catch (FormatException ex)
                {
                    // Never a lost count: this push goes out as text; the failure is counted and reported once.
                    _metrics.PushFailures.WithLabels(PushTelemetryHandler.EncodingReason).Inc();
                    if (Interlocked.Exchange(ref _encodingFailureReported, 1) == 0)
                    {
                        _encodingWarning.Set($"the registry could not be encoded as protobuf, so it was pushed as text ({ex.Message})");
                    }

                    text = true;
                }
            }

            if (text)
            {
                body.Write(holdValues ? HeldExposition.ZeroCountersAndHistograms(collected) : collected);
            }
        }

        return (output.ToArray(), text ? TextFormat : ProtobufFormat);
    }

    /// <summary>The start of a refusal's body, on one line: the Pushgateway says there what it could not read.</summary>
    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).ReplaceLineEndings(" ").Trim();
        return body.Length == 0 ? "no reason given" : body.Length <= 200 ? body : string.Concat(body.AsSpan(0, 200), "...");
    }

    /// <summary>A warning handed out once, to the first push outcome after it was set.</summary>
    private sealed class OnceWarning
    {
        private string? _text;

        public void Set(string text) => Interlocked.Exchange(ref _text, text);

        public string? Take() => Interlocked.Exchange(ref _text, null);
    }

    /// <summary>Statuses of a gateway (or the ingress before it) that is overloaded: the pacer backs off (<see cref="PushPacer"/>).</summary>
    /// <summary>Whether an answer says the gateway is overloaded (back-pressure, <see cref="PushPacer"/>).</summary>
    internal static bool IsOverload(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
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
