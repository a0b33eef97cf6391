using AzureFunctions.PrometheusPush.Internal.Configuration;

namespace AzureFunctions.PrometheusPush.Internal.Identity;

/// <summary>
/// The <c>instance</c> label of this worker's group: the configured one; else the id the Functions host gives the instance
/// (<see cref="FunctionsEnvironment.HostInstanceId"/>, the id its logs and Application Insights carry), with the process
/// id appended when the host runs several worker processes (they share the host's id, and two processes pushing one group
/// would overwrite each other's counters, which Prometheus reads as resets); outside Azure the machine name and process
/// id. Characters a URL path segment cannot carry become '_'.
/// </summary>
internal static class InstanceIdentity
{
    public static string Resolve(string? configured, FunctionsEnvironment environment, string machineName, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }

        var id = environment.HostInstanceId is { } host
            ? environment.WorkerProcessCount > 1 ? $"{host}-{processId}" : host
            : $"{machineName}-{processId}";
        return GroupingKey.Sanitize(id);
    }
}
