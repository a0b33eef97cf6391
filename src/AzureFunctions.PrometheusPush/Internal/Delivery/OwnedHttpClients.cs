using AzureFunctions.PrometheusPush.Internal.Health;

namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>The pusher's own HTTP clients, when no <see cref="IHttpClientFactory"/> gives them (a pusher built without a container).</summary>
internal sealed class OwnedHttpClients(PushOptions settings, PushHealthMetrics health, TimeProvider timeProvider) : IDisposable
{
    public HttpClient Push { get; } = PushHttp.Configure(
        new HttpClient(new PushTelemetryHandler(health, timeProvider) { InnerHandler = new SocketsHttpHandler() }), settings, forPush: true);

    public HttpClient Api { get; } = PushHttp.Configure(new HttpClient(), settings, forPush: false);

    public void Dispose()
    {
        Push.Dispose();
        Api.Dispose();
    }
}
