namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>
/// The environment variables the Functions host sets for a worker, read through one function so tests can give their
/// own: the app's name, the instance's id as the host itself names it, and how many worker processes share it.
/// </summary>
internal sealed class FunctionsEnvironment(Func<string, string?> variable)
{
    /// <summary>The process environment.</summary>
    public static FunctionsEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>The Function App's name (<c>WEBSITE_SITE_NAME</c>), or null outside Azure.</summary>
    public string? SiteName => Value("WEBSITE_SITE_NAME");

    /// <summary>
    /// The instance id the host gives this instance (azure-functions-host <c>GetInstanceId</c>): on Flex Consumption
    /// (<c>WEBSITE_SKU=FlexConsumption</c>) and Linux Consumption (<c>CONTAINER_NAME</c> without <c>WEBSITE_INSTANCE_ID</c>)
    /// <c>WEBSITE_POD_NAME</c>, else <c>CONTAINER_NAME</c>; elsewhere <c>WEBSITE_INSTANCE_ID</c>. Null outside Azure.
    /// </summary>
    public string? HostInstanceId
    {
        get
        {
            var websiteInstanceId = Value("WEBSITE_INSTANCE_ID");
            var container = Value("CONTAINER_NAME");
            var flex = string.Equals(Value("WEBSITE_SKU"), "FlexConsumption", StringComparison.OrdinalIgnoreCase);
            var linuxConsumption = container is not null && websiteInstanceId is null;
            return flex || linuxConsumption ? Value("WEBSITE_POD_NAME") ?? container : websiteInstanceId;
        }
    }

    /// <summary>Worker processes the host runs for this app (<c>FUNCTIONS_WORKER_PROCESS_COUNT</c>; 1 when unset).</summary>
    public int WorkerProcessCount =>
        int.TryParse(Value("FUNCTIONS_WORKER_PROCESS_COUNT"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var count) && count > 1 ? count : 1;

    private string? Value(string name) => variable(name) is { Length: > 0 } value ? value.Trim() : null;
}
