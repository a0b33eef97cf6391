using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using PaymentFunctions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigurePaymentFunctions();
builder.Build().Run();
