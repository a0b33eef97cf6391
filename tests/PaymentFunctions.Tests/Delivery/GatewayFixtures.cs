using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Starting real gateways for delivery tests.</summary>
internal static class Gateways
{
    /// <summary>
    /// A gateway without persistence: Debian's default persistence file is shared by every gateway on the machine,
    /// so a test gateway must not read or write it.
    /// </summary>
    public static Task<PushgatewayProcess> StartAsync() => PushgatewayProcess.StartAsync("--persistence.file=");

    public static Task<PushgatewayProcess> StartAsync(int port) => PushgatewayProcess.StartAsync(port, "--persistence.file=");

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public static bool HasGroup(this PrometheusText text, string job, string instance) =>
        text.Find("push_time_seconds", ("job", job), ("instance", instance)).Any();
}

/// <summary>Tests that print latency figures, and the CPU-heavy concurrency test, never run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class MeasuredTests
{
    public const string Name = "Measured delivery tests";
}
