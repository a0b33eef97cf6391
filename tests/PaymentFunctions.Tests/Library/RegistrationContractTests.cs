using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using PaymentFunctions.Tests.SystemMetrics;
using Prometheus;

namespace PaymentFunctions.Tests.Library;

/// <summary>
/// The registration's contract as its documentation states it: null arguments named, a second call that does nothing on
/// either builder, opt-ins that add up, janitor settings validated with the push settings, and the start-up line naming
/// the format.
/// </summary>
public sealed class RegistrationContractTests
{
    private static readonly System.Reflection.MethodInfo Timer = typeof(SystemMetricsFunction).GetMethod(nameof(SystemMetricsFunction.SampleSystemMetrics))!;

    public static TheoryData<Action, string> NullArguments => new()
    {
        { () => ((IServiceCollection)null!).AddPrometheusPush("Push", _ => { }), "services" },
        { () => ((IFunctionsWorkerApplicationBuilder)null!).AddPrometheusPush("Push", _ => { }), "builder" },
        { () => new ServiceCollection().AddPrometheusPush(" ", _ => { }), "configurationSection" },
        { () => new ServiceCollection().AddPrometheusPush("Push", null!), "configure" },
        { () => new ServiceCollection().AddPrometheusPush("Push", push => push.UseInvocationMetrics(null!)), "functionNames" },
        { () => new ServiceCollection().AddPrometheusPush("Push", push => push.CreateSeries(null!)), "createAtZero" },
        { () => new ServiceCollection().AddPrometheusPush("Push", push => push.PushMeters(null!)), "meterNames" },
    };

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void A_missing_argument_is_refused_naming_it(Action register, string parameter) =>
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(register).ParamName);

    [Fact]
    public async Task A_second_registration_on_the_worker_builder_adds_neither_a_second_middleware_nor_a_second_registry()
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" }))
            .ConfigureFunctionsWorkerDefaults(worker =>
            {
                worker.AddPrometheusPush("MetricPush", push => push.UseInvocationMetrics(nameof(SystemMetricsFunction.SampleSystemMetrics)));
                worker.AddPrometheusPush("MetricPush", push => push.UseInvocationMetrics(nameof(SystemMetricsFunction.SampleSystemMetrics)));
            })
            .ConfigureServices(services => services.AddSystemMetrics())
            .Build();

        await new WorkerPipeline(host.Services).InvokeAsync(Timer, new TestTimerInfo());

        Assert.Single(host.Services.GetServices<CollectorRegistry>());
        var text = await PrometheusText.FromRegistryAsync(host.Services.GetRequiredService<CollectorRegistry>());
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "SampleSystemMetrics"), ("outcome", "success")));
    }

    [Fact]
    public async Task Invocation_metrics_named_in_two_calls_create_the_series_of_both()
    {
        using var services = PushServices.Create([], new InstantTimeProvider(), push => push.UseInvocationMetrics("PlaceOrder").UseInvocationMetrics("CancelOrder"));

        await services.GetRequiredService<PushgatewayPusher>().StartAsync(CancellationToken.None);

        var text = await PrometheusText.FromRegistryAsync(services.GetRequiredService<CollectorRegistry>());
        Assert.Equal(["CancelOrder", "PlaceOrder"], text.Find("function_cold_starts_total").Select(s => s.Labels["function"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_janitor_setting_out_of_range_fails_at_start_up_naming_the_setting()
    {
        using var services = PushServices.Create([("Url", "http://127.0.0.1:9"), ("GroupTtlMinutes", "0")], new InstantTimeProvider());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GroupJanitorOptions>>().Value);

        Assert.Equal("MetricPush__GroupTtlMinutes must be a number of minutes between 0 and 10080.", error.Message);
    }

    [Fact]
    public async Task The_start_up_line_names_the_text_format_when_it_is_chosen()
    {
        using var services = PushServices.Create([("Url", "http://127.0.0.1:9"), ("Job", "j"), ("Format", "text"), ("MaxRetryAttempts", "0")], new InstantTimeProvider());
        var pusher = services.GetRequiredService<PushgatewayPusher>();

        await pusher.StartAsync(CancellationToken.None);
        await pusher.StopAsync(CancellationToken.None);

        var line = Assert.Single(services.GetFakeLogCollector().GetSnapshot(), r => r.Message.StartsWith("Pushing metrics to", StringComparison.Ordinal));
        Assert.Contains(" as text after invocations", line.Message, StringComparison.Ordinal);
    }
}
