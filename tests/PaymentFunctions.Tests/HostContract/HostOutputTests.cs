using System.Reflection;
using System.Text;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Tests.HostContract;

/// <summary>These tests replace the process' standard output: nothing else may run meanwhile.</summary>
[CollectionDefinition(nameof(ConsoleRedirection), DisableParallelization = true)]
public sealed class ConsoleRedirection;

/// <summary>
/// The Functions host relays what the worker writes to standard output (as <c>Host.Function.Console</c>),
/// inside and outside invocations, but keeps a log forwarded over gRPC only when it belongs to a running invocation.
/// The app's own composition (<see cref="PaymentFunctionsApplication.ConfigurePaymentFunctions"/>, what Program.cs runs,
/// on the worker's real builder) must write every log line to standard output once, with level and category, and
/// forward nothing to the host, where an invocation's logs would appear a second time.
/// </summary>
[Collection(nameof(ConsoleRedirection))]
public sealed class HostOutputTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task Push_failure_and_recovery_outside_any_invocation_are_each_written_to_standard_output_once_with_level_and_category()
    {
        var port = ExternalProcess.FreePort(); // nothing listens yet: connection refused
        using var output = StandardOutput.Capture();
        var host = BuildApp(
            ("MetricPush:Url", $"http://127.0.0.1:{port}"),
            ("MetricPush:IntervalSeconds", "0.05"),
            ("MetricPush:MinIntervalSeconds", "0"),
            ("MetricPush:MaxRetryAttempts", "0"),
            ("MetricPush:FirstValuesDelaySeconds", "0"));
        var hostChannel = WorkerHostChannel.Of(host);
        var health = host.Services.GetRequiredService<PushHealthMetrics>();
        var pusher = host.Services.GetRequiredService<PushgatewayPusher>();
        await pusher.StartAsync(CancellationToken.None);
        // Several failed pushes: the app warns once when pushes start failing, then stays quiet (debug) until they recover.
        await Poll.UntilAsync(() => pusher.CompletedPushes >= 3, what: "three pushes failed");
        await using (await PushgatewayProcess.StartAsync(port))
        {
            await Poll.UntilAsync(() => health.LastSuccess.Value > 0, what: "a push landed");
            await pusher.StopAsync(CancellationToken.None);
        }

        host.Dispose(); // flushes the console logger's queue
        foreach (var line in output.Lines)
        {
            testOutput.WriteLine(line);
        }

        var category = typeof(PushgatewayPusher).FullName;
        var group = $"http://127.0.0.1:{port}/metrics/job/payment-functions/instance/";
        var failing = Assert.Single(output.Lines, l => l.Contains("are failing", StringComparison.Ordinal));
        Assert.StartsWith($"warn: {category}[", failing, StringComparison.Ordinal);
        Assert.Contains($"Metric pushes to {group}", failing, StringComparison.Ordinal);
        var recovered = Assert.Single(output.Lines, l => l.Contains("succeed again", StringComparison.Ordinal));
        Assert.StartsWith($"info: {category}[", recovered, StringComparison.Ordinal);
        Assert.Contains(output.Lines, l => l.StartsWith($"info: {category}[", StringComparison.Ordinal) && l.Contains("Pushing metrics to", StringComparison.Ordinal));
        Assert.Empty(hostChannel.Logs());
    }

    [Fact]
    public async Task A_log_inside_an_invocation_is_written_to_standard_output_once_and_not_forwarded_to_the_host()
    {
        using var output = StandardOutput.Capture();
        var host = BuildApp();
        var hostChannel = WorkerHostChannel.Of(host);

        // The worker puts every invocation's logs in a scope carrying the invocation id: that is what makes the host keep
        // a forwarded log. The payment runs through the real function inside that scope.
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Function.ProcessPayment");
        using (logger.BeginScope(new Dictionary<string, object> { ["AzureFunctions_InvocationId"] = "invocation-7", ["AzureFunctions_FunctionName"] = "ProcessPayment" }))
        {
            var context = FunctionTestContext.Create(host.Services, "invocation-7");
            var request = FunctionTestContext.Post(context, "https://localhost/api/payments",
                """{"orderId":"order_once","userId":"user_1","amount":50.0,"currency":"USD"}""");
            var response = (TestHttpResponseData)await ActivatorUtilities.CreateInstance<PaymentsFunction>(host.Services).ProcessPayment(request, context);
            Assert.Equal(200, (int)response.StatusCode);
        }

        host.Dispose();

        var completed = output.Lines.Where(l => l.Contains("Payment completed: order order_once", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(completed);
        Assert.StartsWith("info: PaymentFunctions.Payments.PaymentService[2] ", line, StringComparison.Ordinal);
        Assert.Empty(hostChannel.Logs());
    }

    [Fact]
    public void The_worker_still_registers_the_provider_the_app_turns_off()
    {
        // The filter names the worker's internal provider by type name: a worker release that renames it fails here.
        using var output = StandardOutput.Capture();
        using var host = BuildApp();
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p.GetType().FullName == PaymentFunctionsApplication.WorkerHostLoggerProvider);
    }

    [Fact]
    public void Application_insights_gets_the_worker_logs_at_every_level_only_when_its_connection_string_is_set()
    {
        using var output = StandardOutput.Capture();
        using (var plain = BuildApp())
        {
            Assert.DoesNotContain(plain.Services.GetServices<ILoggerProvider>(), p => p.GetType().FullName == PaymentFunctionsApplication.ApplicationInsightsLoggerProvider);
        }

        using var host = BuildApp((PaymentFunctionsApplication.ApplicationInsightsConnectionString,
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"));
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p.GetType().FullName == PaymentFunctionsApplication.ApplicationInsightsLoggerProvider);
        var rules = host.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules;
        // The SDK's own rule would keep only warnings; the app's Logging levels decide instead.
        Assert.DoesNotContain(rules, r => r.ProviderName == PaymentFunctionsApplication.ApplicationInsightsLoggerProvider && r.CategoryName is null);
        Assert.Contains(rules, r => r.ProviderName == PaymentFunctionsApplication.WorkerHostLoggerProvider && r.LogLevel == LogLevel.None);
    }

    /// <summary>The worker's real builder with the app's composition, as Program.cs runs it, with the test settings.</summary>
    private static IHost BuildApp(params (string Key, string? Value)[] settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        var values = new Dictionary<string, string?>(TestApp.Defaults) { ["SimulatedGateway:LatencyScale"] = "0" };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.ConfigurePaymentFunctions();
        return builder.Build();
    }

    /// <summary>Standard output redirected to memory until disposed.</summary>
    private sealed class StandardOutput : IDisposable
    {
        private readonly TextWriter _original = Console.Out;
        private readonly StringWriter _buffer = new(new StringBuilder());
        private readonly TextWriter _synchronized;

        private StandardOutput()
        {
            _synchronized = TextWriter.Synchronized(_buffer);
            Console.SetOut(_synchronized);
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_synchronized)
                {
                    return _buffer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
                }
            }
        }

        public static StandardOutput Capture() => new();

        public void Dispose()
        {
            Console.SetOut(_original);
            _buffer.Dispose();
        }
    }

    /// <summary>
    /// The worker's outbound gRPC channel to the host (an internal type of the worker): every log it would forward to
    /// the host is a message queued here, since no host reads it in a test.
    /// </summary>
    private sealed class WorkerHostChannel(object reader)
    {
        public static WorkerHostChannel Of(IHost host)
        {
            var type = Type.GetType("Microsoft.Azure.Functions.Worker.GrpcHostChannel, Microsoft.Azure.Functions.Worker.Grpc", throwOnError: true)!;
            var channel = type.GetProperty("Channel")!.GetValue(host.Services.GetRequiredService(type))!;
            return new WorkerHostChannel(channel.GetType().GetProperty("Reader")!.GetValue(channel)!);
        }

        /// <summary>The log messages queued for the host so far (each as the worker's protobuf message text).</summary>
        public List<string> Logs()
        {
            var tryRead = reader.GetType().GetMethod("TryRead", BindingFlags.Public | BindingFlags.Instance)!;
            var messages = new List<string>();
            var arguments = new object?[1];
            while ((bool)tryRead.Invoke(reader, arguments)!)
            {
                var text = arguments[0]!.ToString()!;
                if (text.Contains("rpcLog", StringComparison.OrdinalIgnoreCase))
                {
                    messages.Add(text);
                }
            }

            return messages;
        }
    }
}
