using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using PaymentFunctions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.UseMiddleware<InvocationMetricsMiddleware>();
builder.Services.AddPaymentFunctions(builder.Configuration);
builder.Build().Run();
