using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PaymentFunctions.Metrics;

/// <summary>
/// The app's single push path: serialises the registry with prometheus-net's own exposition and PUTs it to the
/// instance's group, so series that left the registry leave the gateway too. Every attempt re-serialises the registry
/// (a retry carries the newest values), is bounded by <see cref="MetricPushOptions.TimeoutSeconds"/>, and failed
/// attempts are retried with exponential, jittered backoff by a Polly pipeline.
/// </summary>
internal sealed class MetricPushClient
{
    private static readonly MediaTypeHeaderValue TextFormat = MediaTypeHeaderValue.Parse("text/plain; version=0.0.4; charset=utf-8");

    private readonly Func<HttpClient> _httpClient;
    private readonly PaymentMetrics _metrics;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <param name="httpClient">Gives the client to send with (from <see cref="IHttpClientFactory"/> in the app).</param>
    public MetricPushClient(Func<HttpClient> httpClient, PaymentMetrics metrics, MetricPushOptions settings, TimeProvider timeProvider)
    {
        _httpClient = httpClient;
        _metrics = metrics;
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

    /// <summary>
    /// Pushes the registry to <paramref name="groupUrl"/>; with <paramref name="holdValues"/> every counter and histogram
    /// goes out at 0 (see <see cref="HeldExposition"/>). Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<PushOutcome> PushAsync(Uri groupUrl, bool holdValues, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    return await SendAsync(groupUrl, holdValues, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? PushOutcome.Succeeded(attempts)
                : PushOutcome.Failed(attempts, PushTelemetryHandler.ReasonFor(response.StatusCode), $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return PushOutcome.Failed(attempts, "timeout", "no answer within the push timeout");
        }
        catch (HttpRequestException ex)
        {
            // The message names the endpoint and the socket error, never a header: credentials cannot leak through it.
            return PushOutcome.Failed(attempts, PushTelemetryHandler.ReasonFor(ex), ex.Message);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri groupUrl, bool holdValues, CancellationToken cancellationToken)
    {
        var body = new MemoryStream();
        await _metrics.Registry.CollectAndExportAsTextAsync(body, cancellationToken).ConfigureAwait(false);
        if (holdValues)
        {
            body = new MemoryStream(HeldExposition.ZeroCountersAndHistograms(body.GetBuffer().AsSpan(0, (int)body.Length)));
        }

        body.Position = 0;
        using var content = new StreamContent(body);
        content.Headers.ContentType = TextFormat;
        using var request = new HttpRequestMessage(HttpMethod.Put, groupUrl) { Content = content };
        return await _httpClient().SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}

/// <summary>What became of one push (all its attempts): success, or the failure reason of the last attempt.</summary>
internal readonly record struct PushOutcome(bool Success, int Attempts, string? Reason, string? Detail)
{
    public static PushOutcome Succeeded(int attempts) => new(true, attempts, null, null);

    public static PushOutcome Failed(int attempts, string reason, string detail) => new(false, attempts, reason, detail);
}
