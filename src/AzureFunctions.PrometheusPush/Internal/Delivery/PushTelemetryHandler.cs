using AzureFunctions.PrometheusPush.Internal.Health;

namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>
/// Sits in the pusher's HTTP pipeline and records the push health metrics: the duration of every attempt, the time of
/// the last success, and failed attempts by a bounded set of reasons. An attempt cancelled because the host is stopping
/// is neither: the push was not refused, it was abandoned.
/// </summary>
internal sealed class PushTelemetryHandler(PushHealthMetrics metrics, TimeProvider timeProvider) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            metrics.Duration.Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            if (response.IsSuccessStatusCode)
            {
                metrics.LastSuccess.Set(timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            }
            else
            {
                metrics.Failures.WithLabels(FailureReasons.For(response.StatusCode)).Inc();
            }

            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && request.Options.TryGetValue(PushRequest.Stopping, out var stopping) && stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            metrics.Duration.Observe(timeProvider.GetElapsedTime(started).TotalSeconds);
            metrics.Failures.WithLabels(FailureReasons.For(ex)).Inc();
            throw;
        }
    }
}
