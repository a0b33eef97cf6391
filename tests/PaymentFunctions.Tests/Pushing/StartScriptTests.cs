using System.Diagnostics;
using System.Text;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>
/// deploy/pushgateway/start.sh, which compose and Bicep run the gateway through, with the real gateway: its groups
/// survive a clean stop exactly, and never come back after any other end (they would be older than what Prometheus
/// scraped, and read as counter resets).
/// </summary>
public sealed class StartScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("start-script-").FullName;

    private string Store => Path.Combine(_directory, "store");

    [Fact]
    public async Task A_clean_stop_writes_the_groups_and_the_next_start_restores_them_exactly()
    {
        var gateway = await PushgatewayProcess.StartAsShippedAsync(Store);
        await PushAsync(gateway, 5);
        await gateway.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        await gateway.DisposeAsync();
        Assert.True(File.Exists(Store));
        Assert.False(File.Exists(Store + ".running"));

        await using var restarted = await PushgatewayProcess.StartAsShippedAsync(Store, gateway.Port);

        Assert.Equal(5, (await restarted.ScrapeAsync()).Value("payments_total", ("job", "script"), ("instance", "i1")));
        Assert.DoesNotContain("did not stop cleanly", restarted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_SIGKILL_the_next_start_discards_the_groups_and_says_so()
    {
        // A clean stop first, so a file exists: the crash must not bring its older values back.
        var second = await SecondRunAfterACleanStopAsync();
        await second.StopAsync(); // SIGKILL of the script and the gateway, as a crashed container
        await second.DisposeAsync();

        await using var restarted = await PushgatewayProcess.StartAsShippedAsync(Store, second.Port);

        Assert.Empty((await restarted.ScrapeAsync()).Find("payments_total"));
        Assert.Contains($"start.sh: the last run did not stop cleanly: starting without {Store}", restarted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_gateway_alone_dies_the_next_start_discards_the_groups()
    {
        // An out-of-memory kill takes the gateway, not the script: the script ends with it and leaves the marker.
        var second = await SecondRunAfterACleanStopAsync();
        using (var kill = Process.Start(new ProcessStartInfo("pkill", ["-KILL", "-P", second.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }

        await Poll.UntilAsync(() => second.HasExited, TimeSpan.FromSeconds(10), "the script ends with its gateway");
        await second.DisposeAsync();

        await using var restarted = await PushgatewayProcess.StartAsShippedAsync(Store, second.Port);

        Assert.Empty((await restarted.ScrapeAsync()).Find("payments_total"));
        Assert.Contains("did not stop cleanly", restarted.Output, StringComparison.Ordinal);
    }

    /// <summary>A gateway run that pushed 5 and stopped cleanly (so the file holds 5), then a second run on its port that pushed 7.</summary>
    private async Task<PushgatewayProcess> SecondRunAfterACleanStopAsync()
    {
        var gateway = await PushgatewayProcess.StartAsShippedAsync(Store);
        await PushAsync(gateway, 5);
        await gateway.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        await gateway.DisposeAsync();
        var second = await PushgatewayProcess.StartAsShippedAsync(Store, gateway.Port);
        await PushAsync(second, 7);
        return second;
    }

    private static async Task PushAsync(PushgatewayProcess gateway, int value)
    {
        using var http = new HttpClient();
        using var content = new StringContent($"# TYPE payments_total counter\npayments_total {value}\n", Encoding.UTF8, "text/plain");
        using var response = await http.PutAsync(new Uri(gateway.Url, "/metrics/job/script/instance/i1"), content);
        response.EnsureSuccessStatusCode();
        await gateway.FlushAsync();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
