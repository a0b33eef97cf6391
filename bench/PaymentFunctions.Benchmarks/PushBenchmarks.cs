using System.Globalization;
using BenchmarkDotNet.Attributes;
using PaymentFunctions.Metrics;
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
    private MetricPushClient _client = null!;
    private Uri _group = null!;

    [Params(1_000, 10_000)]
    public int Series { get; set; }

    /// <summary>The push encoding: protobuf with created timestamps (the default) or the text exposition.</summary>
    [Params(MetricPushOptions.ProtobufFormat, MetricPushOptions.TextFormat)]
    public string Format { get; set; } = MetricPushOptions.ProtobufFormat;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _gateway = await PushgatewayProcess.StartAsync();
        var metrics = new PaymentMetrics();
        // Counter series of the app's own catalogue, one per label value.
        for (var i = 0; i < Series; i++)
        {
            metrics.PaymentRequests.WithLabels("success", "stripe", "tier" + i.ToString(CultureInfo.InvariantCulture)).Inc(i);
        }

        var settings = new MetricPushOptions { Url = _gateway.Url.AbsoluteUri, MaxRetryAttempts = 0, TimeoutSeconds = 30, Format = Format };
        _http = new HttpClient();
        _client = new MetricPushClient(() => _http, metrics, settings, TimeProvider.System);
        _group = GroupingKey.GroupUrl(_gateway.Url, settings.Job, "bench");

        var (body, _) = await _client.SerialiseAsync(holdValues: false, _client.PushesText, CancellationToken.None);
        Console.WriteLine($"// {Series} series, {Format}: {body.Length} bytes on the wire per push");
        if (!(await _client.PushAsync(_group, holdValues: false, CancellationToken.None)).Success)
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
    public async Task<bool> Push() => (await _client.PushAsync(_group, holdValues: false, CancellationToken.None)).Success;
}
