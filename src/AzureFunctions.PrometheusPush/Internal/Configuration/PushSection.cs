namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>
/// The configuration section the push settings are bound from, as the caller named it: start-up errors name each setting
/// as an app setting is written (<c>MetricPush__Url</c> for the section <c>MetricPush</c>).
/// </summary>
internal sealed record PushSection(string Name)
{
    /// <summary>The app-setting name of <paramref name="key"/> in this section.</summary>
    public string Setting(string key) => $"{Name.Replace(":", "__", StringComparison.Ordinal)}__{key}";
}
