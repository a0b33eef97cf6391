using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// Checks on the compiled template: every backend pages someone. The managed backend's action group posts to the
/// <c>alertWebhookUrl</c> parameter; the URL stays a secret everywhere the template can keep it one.
/// </summary>
public static partial class InfrastructureChecks
{
    public const string Alerting = "alerting";

    /// <summary>The main parameter every alert goes to, in both backends.</summary>
    public const string AlertWebhookParameter = "alertWebhookUrl";

    private static void CheckAlerting(ArmTemplate main, List<Finding> findings)
    {
        // Managed: the action group the rule groups notify posts to the webhook, in the common alert schema.
        foreach (var (template, group) in main.AllResources("Microsoft.Insights/actionGroups"))
        {
            var receivers = Array(group.Property("properties", "webhookReceivers"));
            Expect(findings, Alerting, receivers.Count == 1 && receivers.All(r => r.TryGetProperty("serviceUri", out var uri) && IsMainParameter(main, template, uri, AlertWebhookParameter)),
                $"the action group {group.Name} does not have one webhook receiver whose serviceUri is the main parameter {AlertWebhookParameter}");
            Expect(findings, Alerting, receivers.All(r => r.TryGetProperty("useCommonAlertSchema", out var schema) && schema.ValueKind == JsonValueKind.True),
                $"the action group {group.Name} posts to the webhook without the common alert schema");
        }
    }

    /// <summary>Whether <paramref name="value"/>, followed across module boundaries, is the main template's parameter <paramref name="name"/>.</summary>
    private static bool IsMainParameter(ArmTemplate main, ArmTemplate template, JsonElement value, string name)
    {
        var (owner, resolved) = template.Resolve(value);
        return owner == main && resolved.ValueKind == JsonValueKind.String && resolved.GetString() == $"[parameters('{name}')]";
    }
}
