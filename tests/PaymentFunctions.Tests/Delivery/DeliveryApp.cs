using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PaymentFunctions.Metrics;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// The app's real DI (<see cref="FunctionsServiceCollectionExtensions.AddPaymentFunctions"/>) on the real clock, with the
/// pusher started as the host starts it and stopped (final push) on dispose. Invocations run through the same
/// <see cref="FunctionInvocationRecorder"/> the worker middleware uses.
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
    };

    private readonly ServiceProvider _services;
    private bool _stopped;

    private DeliveryApp(ServiceProvider services)
    {
        _services = services;
        Metrics = services.GetRequiredService<PaymentMetrics>();
        Pusher = services.GetRequiredService<MetricPushService>();
        Recorder = services.GetRequiredService<FunctionInvocationRecorder>();
        Logs = services.GetService<FakeLogCollector>();
    }

    public PaymentMetrics Metrics { get; }

    public MetricPushService Pusher { get; }

    public FunctionInvocationRecorder Recorder { get; }

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

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (captureLogs)
            {
                logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
            }
        });
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddPaymentFunctions(configuration);
        if (primaryHandler is not null)
        {
            services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(primaryHandler));
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var app = new DeliveryApp(provider);
        await app.Pusher.StartAsync(CancellationToken.None);
        return app;
    }

    public static Task<DeliveryApp> StartAsync(Uri? gateway, params (string Key, string? Value)[] settings) =>
        StartAsync([("MetricPush:Url", gateway?.ToString()), .. settings]);

    /// <summary>One <c>ProcessPayment</c> invocation through the recorder, as the middleware runs it; returns the response and its latency.</summary>
    public async Task<(TestHttpResponseData Response, TimeSpan Elapsed)> InvokePaymentAsync(string body = Payment50, string invocationId = "inv")
    {
        var stopwatch = Stopwatch.StartNew();
        var context = FunctionTestContext.Create(_services, invocationId);
        var request = FunctionTestContext.Post(context, "https://localhost/api/payments", body);
        var function = ActivatorUtilities.CreateInstance<PaymentsFunction>(_services);
        TestHttpResponseData? response = null;
        await Recorder.RecordAsync(
            nameof(PaymentsFunction.ProcessPayment),
            async () => response = (TestHttpResponseData)await function.ProcessPayment(request, context),
            () => (int)response!.StatusCode);
        return (response!, stopwatch.Elapsed);
    }

    /// <summary>The payment service, for tight recording loops.</summary>
    public PaymentService Payments => _services.GetRequiredService<PaymentService>();

    public Task<PrometheusText> ScrapeRegistryAsync() => PrometheusText.FromRegistryAsync(Metrics.Registry);

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
        await _services.DisposeAsync();
    }
}
