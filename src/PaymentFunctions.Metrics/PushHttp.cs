using System.Net.Http.Headers;
using System.Text;

namespace PaymentFunctions.Metrics;

/// <summary>The HTTP clients that talk to the Pushgateway: names, and the settings both share (basic auth, timeouts).</summary>
public static class PushHttp
{
    /// <summary>Named client of the pusher: basic auth and the push telemetry handler; attempts are timed out by the retry pipeline.</summary>
    public const string PushClientName = "PaymentFunctions.MetricPush";

    /// <summary>Named client of the janitor: basic auth, <see cref="MetricPushOptions.TimeoutSeconds"/> per request, no push telemetry.</summary>
    public const string JanitorClientName = "PaymentFunctions.MetricJanitor";

    /// <summary>Applies the credentials and the timeout; the credentials live only in the Authorization header.</summary>
    internal static HttpClient Configure(HttpClient client, MetricPushOptions settings, bool forPush)
    {
        client.Timeout = forPush ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(settings.TimeoutSeconds);
        if (settings.HasCredentials)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}"));
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }

        return client;
    }
}
