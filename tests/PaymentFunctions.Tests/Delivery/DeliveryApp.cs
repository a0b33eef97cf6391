using System.Diagnostics;
using System.Reflection;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// The app as <c>Program.cs</c> builds it (the worker's builder with <see cref="PaymentFunctionsApplication.ConfigurePaymentFunctions"/>),
/// on the real clock unless given one, with the pusher started as the host starts it and stopped (final push) on dispose.
/// Invocations go through the worker's own middleware pipeline (<see cref="WorkerPipeline"/>): the app's middleware
/// records them by its own rule, from the HTTP response the function returned.
/// </summary>
internal sealed class DeliveryApp : IAsyncDisposable
{
    public const string Payment50 = """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""";

    /// <summary>Fast, deterministic test settings: no gateway latency or failures, short push timeouts and backoff.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["SimulatedGateway:JitterMilliseconds"] = "0",
        ["SimulatedGateway:LatencyScale"] = "0",
        ["SimulatedGateway:FailureRate"] = "0",
        ["SimulatedGateway:PremiumFailureRate"] = "0",
        ["SimulatedGateway:Seed"] = "42",
        ["MetricPush:Instance"] = "test-instance",
        ["MetricPush:IntervalSeconds"] = "3600",
        ["MetricPush:MinIntervalSeconds"] = "0.05",
        ["MetricPush:TimeoutSeconds"] = "1",
        ["MetricPush:MaxRetryAttempts"] = "2",
        ["MetricPush:RetryDelaySeconds"] = "0.05",
        ["MetricPush:ShutdownPushSeconds"] = "2",
        ["MetricPush:GroupTtlMinutes"] = "600",
        ["MetricPush:FirstValuesDelaySeconds"] = "0", // the hold has its own tests (FirstValuesHoldTests)
        ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9", // lets the worker's own services be created; never started
    };

    private readonly IHost _host;
    private readonly IServiceProvider _services;
    private bool _stopped;

    private DeliveryApp(IHost host)
    {
        _host = host;
        _services = host.Services;
        Pipeline = new WorkerPipeline(_services);
        Metrics = _services.GetRequiredService<PaymentMetrics>();
        Registry = _services.GetRequiredService<CollectorRegistry>();
        Health = _services.GetRequiredService<PushHealthMetrics>();
        Pusher = _services.GetRequiredService<PushgatewayPusher>();
        Recorder = _services.GetRequiredService<InvocationRecorder>();
        Logs = _services.GetService<FakeLogCollector>();
    }

    public PaymentMetrics Metrics { get; }

    /// <summary>The registry the app pushes.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The push library's own metrics (failures, last success, final push).</summary>
    public PushHealthMetrics Health { get; }

    /// <summary>The worker's middleware pipeline of this app.</summary>
    public WorkerPipeline Pipeline { get; }

    public PushgatewayPusher Pusher { get; }

    internal InvocationRecorder Recorder { get; }

    /// <summary>Captured logs; null when created with <c>captureLogs: false</c>.</summary>
    public FakeLogCollector? Logs { get; }

    public IServiceProvider Services => _services;

    /// <summary>Builds the app with <paramref name="settings"/> over <see cref="Defaults"/> and starts the pusher.</summary>
    public static async Task<DeliveryApp> StartAsync(
        IEnumerable<(string Key, string? Value)> settings,
        TimeProvider? timeProvider = null,
        Func<HttpMessageHandler>? primaryHandler = null,
        bool captureLogs = true)
    {
        var values = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddSingleton(timeProvider ?? TimeProvider.System); // before the app's own TryAdd
        builder.ConfigurePaymentFunctions();

        // The tests read logs from memory; the console lines have their own tests (HostOutputTests).
        builder.Logging.ClearProviders();
        if (captureLogs)
        {
            builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        }

        if (primaryHandler is not null)
        {
            builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(primaryHandler));
        }

        var app = new DeliveryApp(builder.Build());
        await app.Pusher.StartAsync(CancellationToken.None);
        return app;
    }

    public static Task<DeliveryApp> StartAsync(Uri? gateway, params (string Key, string? Value)[] settings) =>
        StartAsync([("MetricPush:Url", gateway?.ToString()), .. settings]);

    /// <summary>One <c>ProcessPayment</c> invocation through the worker's pipeline; returns the response and its latency.</summary>
    public async Task<(TestHttpResponseData Response, TimeSpan Elapsed)> InvokePaymentAsync(string body = Payment50, string invocationId = "inv")
    {
        var stopwatch = Stopwatch.StartNew();
        var response = await Pipeline.PostAsync(ProcessPayment, "https://localhost/api/payments", body, invocationId);
        return (response, stopwatch.Elapsed);
    }

    /// <summary>The payment function's method, as the worker's metadata names it.</summary>
    public static MethodInfo ProcessPayment { get; } = typeof(PaymentsFunction).GetMethod(nameof(PaymentsFunction.ProcessPayment))!;

    /// <summary>The payment service, for tight recording loops.</summary>
    public PaymentService Payments => _services.GetRequiredService<PaymentService>();

    public Task<PrometheusText> ScrapeRegistryAsync() => PrometheusText.FromRegistryAsync(Registry);

    /// <summary>Stops the pusher as the host does (final push within the shutdown deadline).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Pusher.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
