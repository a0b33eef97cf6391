using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Starting real gateways for delivery tests.</summary>
internal static class Gateways
{
    /// <summary>A gateway without persistence (see <see cref="PushgatewayProcess"/>), on a free port.</summary>
    public static Task<PushgatewayProcess> StartAsync() => PushgatewayProcess.StartAsync();

    /// <summary>A gateway without persistence on a given port, to restart one in place.</summary>
    public static Task<PushgatewayProcess> StartAsync(int port) => PushgatewayProcess.StartAsync(port);

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
