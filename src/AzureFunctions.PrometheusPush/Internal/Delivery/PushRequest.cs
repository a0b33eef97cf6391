namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>What a push request carries besides its body, for the handlers of the push client.</summary>
internal static class PushRequest
{
    /// <summary>The host's stopping token: an attempt it cancels was abandoned, not a failed push.</summary>
    public static readonly HttpRequestOptionsKey<CancellationToken> Stopping = new("AzureFunctions.PrometheusPush.Stopping");
}
