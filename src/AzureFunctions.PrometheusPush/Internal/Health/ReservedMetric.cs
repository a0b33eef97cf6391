namespace AzureFunctions.PrometheusPush.Internal.Health;

/// <summary>
/// Declares one of the library's own metrics on the pushed registry, turning prometheus-net's clash error (which does
/// not name the metric) into one that names it and says which names the library reserves.
/// </summary>
internal static class ReservedMetric
{
    public static T Declare<T>(string name, Func<string, T> declare)
    {
        try
        {
            return declare(name);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The metric {name} belongs to AzureFunctions.PrometheusPush, but the pushed registry already has it with another type, labels or buckets. " +
                "Rename the app's metric: the library declares metric_push_*, process_start_time_seconds and, with invocation metrics, function_*.",
                ex);
        }
    }
}
