using AzureFunctions.PrometheusPush;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrdersFunctions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The push: settings from the section "PrometheusPush" (app settings PrometheusPush__Url, ...), invocation metrics for
// the app's functions, and the order series created at zero so that a new instance's first orders count.
builder.AddPrometheusPush("PrometheusPush", push => push
    .UseInvocationMetrics(nameof(PlaceOrderFunction.PlaceOrder), nameof(MetricJanitorFunction.ExpireStaleMetricGroups))
    .CreateSeries(services => services.GetRequiredService<OrderMetrics>().CreateSeries()));

builder.Services.AddSingleton<OrderMetrics>();
builder.Build().Run();
