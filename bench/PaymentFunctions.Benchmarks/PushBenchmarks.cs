using System.Globalization;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Identity;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using BenchmarkDotNet.Attributes;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Serialising the registry and pushing it (PUT, the app's single push path) to a real loopback Pushgateway, with 1,000
/// and 10,000 series, in either push encoding. Targets: at most 10 ms and 100 ms median. The body's size in the
/// format measured is printed in the set-up.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PushBenchmarks
{
    private PushgatewayProcess _gateway = null!;
    private HttpClient _http = null!;
    private PushClient _client = null!;
    private Uri _group = null!;

    [Params(1_000, 10_000)]
    public int Series { get; set; }

    /// <summary>The push encoding: protobuf with created timestamps (the default) or the text exposition.</summary>
    [Params(AzureFunctions.PrometheusPush.PushFormat.Protobuf, AzureFunctions.PrometheusPush.PushFormat.Text)]
    public AzureFunctions.PrometheusPush.PushFormat Format { get; set; } = AzureFunctions.PrometheusPush.PushFormat.Protobuf;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _gateway = await PushgatewayProcess.StartAsync();
        // Every family the app declares on the registry it pushes: payment, host, invocation and push health metrics.
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        _ = new HostMetrics(registry);
        _ = new InvocationMetrics(registry);
        var health = new PushHealthMetrics(registry);
        // Counter series of the app's own catalogue, one per label value.
        for (var i = 0; i < Series; i++)
        {
            metrics.PaymentRequests.WithLabels("success", "stripe", "tier" + i.ToString(CultureInfo.InvariantCulture)).Inc(i);
        }

        var settings = new PushOptions { Url = _gateway.Url.AbsoluteUri, MaxRetryAttempts = 0, TimeoutSeconds = 30, Format = Format };
        _http = new HttpClient();
        _client = new PushClient(() => _http, health, registry.CollectAndExportAsTextAsync, settings, TimeProvider.System, TimeProvider.System.GetUtcNow());
        _group = GroupingKey.GroupUrl(_gateway.Url, FunctionsServiceCollectionExtensions.DefaultJob, "bench");

        var (body, _) = await _client.SerialiseAsync(holdCounts: false, _client.PushesText, CancellationToken.None);
        Console.WriteLine($"// {Series} series, {Format}: {body.Length} bytes on the wire per push");
        if (!(await _client.PushAsync(_group, holdCounts: false, CancellationToken.None)).Success)
        {
            throw new InvalidOperationException($"The set-up push to {_group} failed.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    [Benchmark(Description = "serialise + PUT the registry to a loopback Pushgateway")]
    public async Task<bool> Push() => (await _client.PushAsync(_group, holdCounts: false, CancellationToken.None)).Success;
}
