using System.Diagnostics.Metrics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using PaymentFunctions.Tests.SystemMetrics;
using Prometheus;

namespace PaymentFunctions.Tests.Library;

/// <summary>
/// The push library as another app adopts it: one registration on either worker builder, a dedicated registry by default,
/// opt-ins for invocation metrics and meters, and a warning for metrics left on a registry that is not pushed.
/// </summary>
public sealed class RegistrationTests
{
    private static readonly System.Reflection.MethodInfo Timer = typeof(SystemMetricsFunction).GetMethod(nameof(SystemMetricsFunction.SampleSystemMetrics))!;

    [Fact]
    public async Task With_the_host_builder_and_the_ASP_NET_Core_integration_the_registration_adds_the_invocation_middleware()
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" }))
            .ConfigureFunctionsWebApplication(worker => worker.AddPrometheusPush("Observability:Push", push => push.UseInvocationMetrics(nameof(SystemMetricsFunction.SampleSystemMetrics))))
            .ConfigureServices(services => services.AddSystemMetrics())
            .Build();

        await new WorkerPipeline(host.Services).InvokeAsync(Timer, new TestTimerInfo());

        var text = await PrometheusText.FromRegistryAsync(host.Services.GetRequiredService<CollectorRegistry>());
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "SampleSystemMetrics"), ("outcome", "success")));
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", "SampleSystemMetrics")));
    }

    [Fact]
    public async Task Without_the_opt_in_no_invocation_is_recorded_and_no_invocation_metric_exists()
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" }))
            .ConfigureFunctionsWorkerDefaults(worker => worker.AddPrometheusPush("MetricPush"))
            .ConfigureServices(services => services.AddSystemMetrics())
            .Build();

        await new WorkerPipeline(host.Services).InvokeAsync(Timer, new TestTimerInfo());

        var text = await PrometheusText.FromRegistryAsync(host.Services.GetRequiredService<CollectorRegistry>());
        Assert.DoesNotContain(text.Samples, s => s.Name.StartsWith("function_", StringComparison.Ordinal));
        Assert.Null(host.Services.GetService<InvocationMiddleware>());
    }

    [Fact]
    public async Task The_pushed_registry_is_a_dedicated_one_holding_only_what_was_declared_on_it_and_the_librarys_own_metrics()
    {
        using var services = PushServices.Create([], new InstantTimeProvider());

        var registry = services.GetRequiredService<CollectorRegistry>();
        var text = await PrometheusText.FromRegistryAsync(registry);

        Assert.NotSame(Prometheus.Metrics.DefaultRegistry, registry);
        Assert.Equal(
            ["metric_push_duration_seconds_bucket", "metric_push_duration_seconds_count", "metric_push_duration_seconds_sum", "metric_push_final_timestamp_seconds", "metric_push_last_success_timestamp_seconds", "process_start_time_seconds"],
            text.Samples.Select(s => s.Name).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_registry_the_app_gives_is_the_one_pushed_and_the_one_the_container_gives()
    {
        var mine = Prometheus.Metrics.NewCustomRegistry();
        using var services = PushServices.Create([], new InstantTimeProvider(), push => push.Registry = mine);

        Assert.Same(mine, services.GetRequiredService<CollectorRegistry>());
        Assert.Contains((await PrometheusText.FromRegistryAsync(mine)).Samples, s => s.Name == "metric_push_last_success_timestamp_seconds");
    }

    [Fact]
    public async Task A_metric_on_the_default_registry_is_named_in_one_start_up_warning()
    {
        // A registry standing for prometheus-net's default one, which is global to the test process.
        var unpushed = Prometheus.Metrics.NewCustomRegistry();
        var name = "orders_unpushed_total";
        Prometheus.Metrics.WithCustomRegistry(unpushed).CreateCounter(name, "An app metric declared on prometheus-net's default registry.").Inc();
        Prometheus.Metrics.WithCustomRegistry(unpushed).CreateGauge("dotnet_total_memory_bytes", "A built-in collector of the default registry.");
        using var services = PushServices.Create([], new InstantTimeProvider(), push => push.UnpushedRegistry = unpushed);

        await services.GetRequiredService<PushgatewayPusher>().StartAsync(CancellationToken.None);

        var warning = Assert.Single(services.GetFakeLogCollector().GetSnapshot(), r => r.Message.Contains("default registry", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(name, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_meter_is_pushed_and_other_meters_are_not()
    {
        var name = $"Orders.Test.{Guid.NewGuid():N}";
        using var meter = new Meter(name);
        using var other = new Meter(name + ".Other");
        var placed = meter.CreateCounter<long>("orders.placed");
        var ignored = other.CreateCounter<long>("orders.ignored");
        using var services = PushServices.Create([], new InstantTimeProvider(), push => push.PushMeters(name));
        var pusher = services.GetRequiredService<PushgatewayPusher>();
        await pusher.StartAsync(CancellationToken.None);

        placed.Add(3);
        ignored.Add(5);

        var registry = services.GetRequiredService<CollectorRegistry>();
        await Poll.UntilAsync(
            async () => (await PrometheusText.FromRegistryAsync(registry)).Samples.Any(s => s.Name.Contains("orders_placed", StringComparison.Ordinal) && s.Value == 3),
            TimeSpan.FromSeconds(10), "the meter's counter reaches the pushed registry:\n" + string.Join("\n", (await PrometheusText.FromRegistryAsync(registry)).Samples.Select(s => s.Name + " " + s.Value)));
        Assert.DoesNotContain((await PrometheusText.FromRegistryAsync(registry)).Samples, s => s.Name.Contains("orders_ignored", StringComparison.Ordinal));
        await pusher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void An_app_metric_declared_first_under_a_name_of_the_library_with_another_shape_fails_at_registration_naming_it()
    {
        var mine = Prometheus.Metrics.NewCustomRegistry();
        Prometheus.Metrics.WithCustomRegistry(mine).CreateGauge("metric_push_failures_total", "Mine.");

        var error = Assert.Throws<InvalidOperationException>(() => PushServices.Create([], new InstantTimeProvider(), push => push.Registry = mine).Dispose());

        Assert.StartsWith("The metric metric_push_failures_total belongs to AzureFunctions.PrometheusPush", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_metric_declared_after_the_library_under_one_of_its_names_with_another_shape_fails_where_it_is_declared()
    {
        using var services = PushServices.Create([], new InstantTimeProvider());
        _ = services.GetRequiredService<PushgatewayPusher>();
        var registry = services.GetRequiredService<CollectorRegistry>();

        Assert.Throws<InvalidOperationException>(() => Prometheus.Metrics.WithCustomRegistry(registry).CreateGauge("metric_push_failures_total", "Mine."));
    }

    [Fact]
    public async Task Series_callbacks_run_at_start_before_the_first_push_and_the_invocation_series_exist_at_zero()
    {
        var created = new List<IServiceProvider>();
        using var services = PushServices.Create([], new InstantTimeProvider(), push => push.UseInvocationMetrics("PlaceOrder").CreateSeries(created.Add));

        await services.GetRequiredService<PushgatewayPusher>().StartAsync(CancellationToken.None);

        Assert.Single(created);
        var text = await PrometheusText.FromRegistryAsync(services.GetRequiredService<CollectorRegistry>());
        Assert.Equal(["client_error", "failure", "success"], text.Find("function_invocations_total", ("function", "PlaceOrder")).Select(s => s.Labels["outcome"]).Order(StringComparer.Ordinal));
        Assert.All(text.Find("function_invocations_total"), s => Assert.Equal(0, s.Value));
    }
}
