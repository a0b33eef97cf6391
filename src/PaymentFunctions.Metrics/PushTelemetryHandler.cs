using System.Net;
using System.Net.Sockets;

namespace PaymentFunctions.Metrics;

/// <summary>
/// Sits in the pusher's HTTP pipeline and records the push health metrics: duration of every push,
/// the time of the last success and failures by a bounded set of reasons.
/// </summary>
internal sealed class PushTelemetryHandler(PaymentMetrics metrics, TimeProvider timeProvider) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            metrics.PushDuration.Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            if (response.IsSuccessStatusCode)
            {
                metrics.PushLastSuccess.Set(timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            }
            else
            {
                metrics.PushFailures.WithLabels(ReasonFor(response.StatusCode)).Inc();
            }

            return response;
        }
        catch (Exception ex)
        {
            metrics.PushDuration.Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            metrics.PushFailures.WithLabels(ReasonFor(ex)).Inc();
            throw;
        }
    }

    /// <summary>The failure reason of a registry that could not be encoded as protobuf (the push went out as text).</summary>
    internal const string EncodingReason = "encoding";

    /// <summary>The failure reason label for a response status: one of a fixed, small set.</summary>
    internal static string ReasonFor(HttpStatusCode status) => (int)status switch
    {
        401 or 403 => "unauthorized",
        >= 400 and < 500 => "rejected",
        _ => "server_error",
    };

    /// <summary>The failure reason label for an exception: one of a fixed, small set.</summary>
    internal static string ReasonFor(Exception ex) => ex switch
    {
        TaskCanceledException or TimeoutException => "timeout",
        HttpRequestException { InnerException: SocketException } => "connection",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => "connection",
        HttpRequestException => "transport",
        _ => "other",
    };
}
