using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentFunctions.Demo;
using PaymentFunctions.Payments;

// --help, or a wrong argument: the usage, or one line on stderr and exit 2 (DemoCommandLine.Usage lists the modes).
if (DemoCommandLine.Answer(args, Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}

// --render-prometheus-config SOURCE TARGETS SECONDS OUTPUT (scripts/demo.sh --fleet): the repository's prometheus.yml
// for a local Prometheus scraping TARGETS (host:port, comma-separated: every Pushgateway shard) every SECONDS, rendered
// as the tests render it.
if (args is ["--render-prometheus-config", var source, var target, var seconds, var output] && DemoCommandLine.RenderSeconds(seconds) is { } interval)
{
    await File.WriteAllTextAsync(output, PaymentFunctions.Fleet.PrometheusConfiguration.Render(source, target.Split(','), interval, interval));
    return 0;
}

// With --fleet (scripts/demo.sh --fleet): a fleet of short-lived instances and what Prometheus answers for it.
if (args is ["--fleet"])
{
    return await FleetDemo.RunAsync(Console.Out);
}

// The seed's demo: five payments through the same service, metrics and pusher the functions use,
// then what the Pushgateway holds for them. Its settings come from the environment (MetricPush__Url, Demo__PauseMilliseconds).
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddPrometheusPush("MetricPush", push => push.CreateSeries(PaymentsServiceCollectionExtensions.CreatePaymentSeries));
builder.Services.AddPayments(builder.Configuration);
builder.Services.PostConfigure<PushOptions>(options => options.Job ??= "payment-functions");
using var host = builder.Build();

var pauseMilliseconds = builder.Configuration.GetValue("Demo:PauseMilliseconds", 200);
await host.StartAsync();
var payments = host.Services.GetRequiredService<PaymentService>();
var pusher = host.Services.GetRequiredService<PushgatewayPusher>();

var succeeded = 0;
foreach (var payment in DemoPayments.All)
{
    try
    {
        var result = await payments.ProcessAsync(payment, Guid.NewGuid().ToString("N"), CancellationToken.None);
        succeeded++;
        Console.WriteLine($"{payment.OrderId}: {result.Status}, {payment.Amount} {payment.Currency} ({payment.UserTier}, {payment.PaymentMethod}), transaction {result.TransactionId}, {result.DurationSeconds:F3} s");
    }
    catch (PaymentException ex)
    {
        Console.WriteLine($"{payment.OrderId}: failed, {payment.Amount} {payment.Currency} ({payment.UserTier}, {payment.PaymentMethod}), {ex.GetType().Name}: {ex.Message}");
    }

    await Task.Delay(pauseMilliseconds);
}

Console.WriteLine($"{succeeded} of {DemoPayments.All.Count} payments succeeded.");

// Stopping the host makes the pusher's final push.
await host.StopAsync();

if (pusher.GroupUrl is not { } groupUrl)
{
    Console.WriteLine("No Pushgateway configured (MetricPush__Url is empty): nothing was pushed.");
    return 0;
}

var gatewayMetrics = new Uri(groupUrl.GetLeftPart(UriPartial.Authority) + "/metrics");
return await PushgatewayReport.PrintAsync(gatewayMetrics, groupUrl, Console.Out, CancellationToken.None);
