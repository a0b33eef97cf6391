using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>The real-process fixtures neither leak processes nor fail on a port taken after it was probed.</summary>
public sealed class FixtureTests
{
    [Fact]
    public async Task A_started_process_is_killed_when_the_process_it_watches_dies_without_disposing_it()
    {
        // A stand-in for the test host: the fixture's watchdog watches it instead of this process.
        using var parent = Process.Start(new ProcessStartInfo("sleep", ["600"]) { UseShellExecute = false })!;
        await using var child = new Sleeper(parent.Id);
        Assert.False(child.HasExited);

        parent.Kill(); // as the test host is killed: nothing disposes the child

        await Poll.UntilAsync(() => child.HasExited, TimeSpan.FromSeconds(10), "the watchdog killed the process once its parent was gone");
    }

    [Fact]
    public async Task A_gateway_whose_probed_port_was_taken_meanwhile_starts_on_another_port()
    {
        // The first probed port is taken before the gateway binds it (as another test's fixture could).
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var ports = new List<int>();

        await using var gateway = await ExternalProcess.OnFreePortAsync(port =>
        {
            var chosen = ports.Count == 0 ? taken : port;
            ports.Add(chosen);
            return PushgatewayProcess.StartAsync(chosen);
        });

        Assert.Equal(2, ports.Count);
        Assert.NotEqual(taken, gateway.Port);
        Assert.Equal(0, (await gateway.ScrapeAsync()).Samples.Count(s => s.Name == "push_time_seconds"));
    }

    private sealed class Sleeper(int parent) : ExternalProcess("sleep", ["600"], parent);
}
