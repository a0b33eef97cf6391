using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Tests;

/// <summary>
/// The app's real DI registration (the push library's registration as the app configures it, and
/// <see cref="FunctionsServiceCollectionExtensions.AddPaymentFunctions"/>) with test settings, an instant clock and captured
/// logs, without the worker; functions are created by DI as the worker does.
/// </summary>
internal sealed class TestApp : IDisposable
{
    /// <summary>Settings every test starts from: the seed's gateway without jitter, a fixed random seed, no pushing.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["SimulatedGateway:JitterMilliseconds"] = "0",
        ["SimulatedGateway:FailureRate"] = "0",
        ["SimulatedGateway:PremiumFailureRate"] = "0",
        ["SimulatedGateway:Seed"] = "42",
        ["Payments:UsdRates:EUR"] = "1.5",
    };

    private TestApp(ServiceProvider services, InstantTimeProvider clock)
    {
        Services = services;
        Clock = clock;
        Metrics = services.GetRequiredService<PaymentMetrics>();
        Registry = services.GetRequiredService<CollectorRegistry>();
        Logs = services.GetFakeLogCollector();
    }

    public ServiceProvider Services { get; }

    public PaymentMetrics Metrics { get; }

    /// <summary>The registry the app pushes.</summary>
    public CollectorRegistry Registry { get; }

    public FakeLogCollector Logs { get; }

    public InstantTimeProvider Clock { get; }

    public static TestApp Create(params (string Key, string? Value)[] settings) => Create(_ => { }, settings);

    /// <summary>With <paramref name="replace"/> registering services before the app's own (which only TryAdd them).</summary>
    public static TestApp Create(Action<IServiceCollection> replace, params (string Key, string? Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(replace);
        var values = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var clock = new InstantTimeProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IConfiguration>(configuration);
        replace(services);
        services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        services.AddPaymentFunctions(configuration);
        return new TestApp(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }), clock);
    }

    /// <summary>A function class instance, created as the worker creates it.</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>Posts a body to <c>/api/payments</c> through the function.</summary>
    public async Task<TestHttpResponseData> PostPaymentAsync(string body, string invocationId = "invocation-1")
    {
        var context = FunctionTestContext.Create(Services, invocationId);
        var request = FunctionTestContext.Post(context, "https://localhost/api/payments", body);
        return (TestHttpResponseData)await Function<PaymentsFunction>().ProcessPayment(request, context);
    }

    public Task<PrometheusText> ScrapeAsync() => PrometheusText.FromRegistryAsync(Registry);

    public void Dispose() => Services.Dispose();
}
