using System.Net.Http.Headers;
using System.Text;

namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>The HTTP clients that talk to the Pushgateway: names, and the settings both share (basic auth, timeouts).</summary>
internal static class PushHttp
{
    /// <summary>Named client of the pusher: basic auth and the push telemetry handler; attempts are timed out by the retry pipeline.</summary>
    public const string PushClientName = "AzureFunctions.PrometheusPush.Push";

    /// <summary>Named client of the janitor and the shard clean-up: basic auth, <see cref="PushOptions.TimeoutSeconds"/> per request.</summary>
    public const string ApiClientName = "AzureFunctions.PrometheusPush.Api";

    /// <summary>Applies the credentials and the timeout; the credentials live only in the Authorization header.</summary>
    public static HttpClient Configure(HttpClient client, PushOptions settings, bool forPush)
    {
        client.Timeout = forPush ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(settings.TimeoutSeconds);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}"));
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }

        return client;
    }
}
