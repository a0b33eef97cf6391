using System.Net;
using System.Text.Json;

namespace PaymentFunctions.Testing;

/// <summary>One notification as Alertmanager's webhook receiver posts it, with the time it arrived.</summary>
public sealed record WebhookNotification(DateTimeOffset ReceivedAt, string Status, IReadOnlyList<NotifiedAlert> Alerts, JsonElement Body)
{
    /// <summary>Every alert name in the notification, deduplicated.</summary>
    public IReadOnlyList<string> AlertNames => [.. Alerts.Select(a => a.Labels.GetValueOrDefault("alertname", "?")).Distinct()];
}

/// <summary>One alert inside a <see cref="WebhookNotification"/>.</summary>
public sealed record NotifiedAlert(string Status, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

/// <summary>
/// A webhook endpoint on a free 127.0.0.1 port that keeps every notification Alertmanager posts to it (Alertmanager's
/// webhook JSON, version 4) and answers 200. Stopped on dispose.
/// </summary>
public sealed class WebhookListener : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly List<WebhookNotification> _notifications = [];
    private readonly Task _serving;

    private WebhookListener(HttpListener listener, Uri url)
    {
        _listener = listener;
        Url = url;
        _serving = ServeAsync();
    }

    /// <summary>The URL to give Alertmanager's receiver.</summary>
    public Uri Url { get; }

    /// <summary>Every notification received so far, in arrival order.</summary>
    public IReadOnlyList<WebhookNotification> Notifications
    {
        get
        {
            lock (_notifications)
            {
                return [.. _notifications];
            }
        }
    }

    /// <summary>Starts listening on a port that was free a moment ago (another one when it was taken meanwhile).</summary>
    public static WebhookListener Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            var url = new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}/alerts/");
            var listener = new HttpListener();
            listener.Prefixes.Add(url.AbsoluteUri);
            try
            {
                listener.Start();
                return new WebhookListener(listener, url);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var document = await JsonDocument.ParseAsync(context.Request.InputStream))
            {
                var body = document.RootElement.Clone();
                var alerts = body.GetProperty("alerts").EnumerateArray()
                    .Select(a => new NotifiedAlert(a.GetProperty("status").GetString()!, Strings(a.GetProperty("labels")), Strings(a.GetProperty("annotations"))))
                    .ToList();
                lock (_notifications)
                {
                    _notifications.Add(new WebhookNotification(DateTimeOffset.UtcNow, body.GetProperty("status").GetString()!, alerts, body));
                }
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private static Dictionary<string, string> Strings(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
