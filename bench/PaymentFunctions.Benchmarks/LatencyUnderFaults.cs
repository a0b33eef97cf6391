using System.Diagnostics;
using System.Globalization;
using System.Text;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// A measured run (not BenchmarkDotNet: it needs p99 over single invocations): invocation latency through the middleware's
/// recorder and the payment function, with a healthy, a refusing and a blackholed Pushgateway. Every invocation asks
/// for a push, and invocations start every <see cref="Pace"/> (4,000 a second, a busy instance) so that pushes, every
/// 50 ms, run while invocations do: a push path that blocked invocations would show here. Target: p99 difference at
/// most 1 ms.
///   dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- latency [invocations]
/// </summary>
internal static class LatencyUnderFaults
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""");

    public const int DefaultInvocations = 5000;

    /// <summary>The time from one invocation's start to the next one's: long enough for pushes to overlap the run.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMicroseconds(250);

    public static BenchMode Mode { get; } = BenchMode.Of(
        "latency",
        "[invocations]",
        "invocation latency (p50, p99, max) with a healthy, a refusing and a blackholed Pushgateway; target: p99 at most 1 ms above healthy",
        $"  invocations      invocations measured per gateway, after a tenth as many to warm up (default {DefaultInvocations})",
        args => new ArgumentReader(args).SingleCount("invocations", DefaultInvocations),
        RunAsync);

    public static async Task<int> RunAsync(int invocations)
    {
        Console.WriteLine($"Invocation latency over {invocations} invocations each (after {invocations / 10} warm-up), one every {Pace.TotalMicroseconds:F0} µs, µs:");
        Console.WriteLine("| gateway | p50 | p99 | max | pushes done |");
        Console.WriteLine("|---|---:|---:|---:|---:|");

        Result healthy;
        await using (var gateway = await PushgatewayProcess.StartAsync())
        {
            healthy = await MeasureAsync("healthy", gateway.Url, invocations);
        }

        var refusing = await MeasureAsync("refusing connections", new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}"), invocations);
        Result blackholed;
        await using (var blackhole = FaultyListener.Blackhole())
        {
            blackholed = await MeasureAsync("blackholed", blackhole.Url, invocations);
        }

        var worst = Math.Max(refusing.P99 - healthy.P99, blackholed.P99 - healthy.P99);
        Console.WriteLine($"p99 difference to healthy, worst case: {worst.ToString("F1", CultureInfo.InvariantCulture)} µs (target ≤ 1000 µs: {(worst <= 1000 ? "met" : "NOT met")})");
        return 0;
    }

    private static async Task<Result> MeasureAsync(string name, Uri gateway, int invocations)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MetricPush:Url"] = gateway.AbsoluteUri,
            ["MetricPush:Instance"] = "latency-" + name.Split(' ')[0],
            ["MetricPush:MinIntervalSeconds"] = "0.05",
            ["MetricPush:TimeoutSeconds"] = "1",
            ["MetricPush:ShutdownPushSeconds"] = "1",
            ["SimulatedGateway:LatencyScale"] = "0",
            ["SimulatedGateway:FailureRate"] = "0",
            ["SimulatedGateway:PremiumFailureRate"] = "0",
            ["SimulatedGateway:Seed"] = "1",
        });
        builder.Services.AddLogging();
        builder.Services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        builder.Services.AddPaymentFunctions(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();

        var recorder = host.Services.GetRequiredService<InvocationRecorder>();
        var pusher = host.Services.GetRequiredService<PushgatewayPusher>();
        var function = ActivatorUtilities.CreateInstance<PaymentsFunction>(host.Services);
        var context = FunctionTestContext.Create(host.Services, "latency");

        var samples = new double[invocations];
        var pace = (long)(Pace.TotalSeconds * Stopwatch.Frequency);
        var next = Stopwatch.GetTimestamp();
        for (var i = -invocations / 10; i < invocations; i++)
        {
            var request = FunctionTestContext.Post(context, "https://localhost/api/payments", Body);
            // Spin to the invocation's start: a timer cannot wait 250 µs, and the pushes have the other core.
            next += pace;
            while (Stopwatch.GetTimestamp() < next)
            {
                Thread.SpinWait(20);
            }

            var started = Stopwatch.GetTimestamp();
            await recorder.RecordAsync(nameof(PaymentsFunction.ProcessPayment), () => function.ProcessPayment(request, context));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (i >= 0)
            {
                samples[i] = elapsed;
            }
        }

        var pushes = pusher.CompletedPushes;
        await host.StopAsync();
        Array.Sort(samples);
        var result = new Result(Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {result.P50:F1} | {result.P99:F1} | {result.Max:F1} | {pushes} |"));
        return result;
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private readonly record struct Result(double P50, double P99, double Max);
}
