using Microsoft.Extensions.Logging;
using Prometheus;

namespace AzureFunctions.PrometheusPush.Internal.Startup;

/// <summary>
/// Metrics an app declared on prometheus-net's default registry while the library pushes another one are never pushed:
/// at start-up one warning names them. The default registry's own collectors (the runtime's statistics, event counters
/// and meters of .NET and ASP.NET) are left out by their name prefixes; an app meter published there is named too.
/// </summary>
internal static partial class UnpushedMetrics
{
    private static readonly string[] BuiltInPrefixes = ["dotnet_", "process_", "prometheus_net_", "microsoft_", "system_", "aspnetcore_", "kestrel_", "http_client_", "http_server_"];

    public static async Task WarnAsync(CollectorRegistry pushed, CollectorRegistry unpushed, ILogger logger, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(pushed, unpushed))
        {
            return;
        }

        using var exposition = new MemoryStream();
        await unpushed.CollectAndExportAsTextAsync(exposition, cancellationToken).ConfigureAwait(false);
        var names = Names(System.Text.Encoding.UTF8.GetString(exposition.GetBuffer(), 0, (int)exposition.Length));
        if (names.Count > 0)
        {
            LogUnpushed(logger, string.Join(", ", names));
        }
    }

    /// <summary>The families of an exposition that no built-in collector of the default registry exports.</summary>
    internal static IReadOnlyList<string> Names(string exposition) =>
        [.. exposition.Split('\n')
            .Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2])
            .Where(name => !BuiltInPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "These metrics are on prometheus-net's default registry, which is not pushed: {Metrics}. Declare them on the pushed registry (resolve CollectorRegistry from the container), or push a meter with PushMeters")]
    private static partial void LogUnpushed(ILogger logger, string metrics);
}
