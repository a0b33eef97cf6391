using AzureFunctions.PrometheusPush;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PaymentFunctions;

/// <summary>
/// The app's whole composition on the worker's builder: what <c>Program.cs</c> runs, and what the tests build.
/// </summary>
public static class PaymentFunctionsApplication
{
    /// <summary>
    /// The worker's logger provider that forwards logs to the Functions host over gRPC. The host keeps a forwarded user
    /// log only when it belongs to an invocation it is running and drops the rest (the pusher's loop, start-up, the final
    /// push), so the app turns this provider off and writes every log line to standard output instead, which the host
    /// relays line by line as <c>Host.Function.Console</c>. With both on, a log inside an invocation would appear twice.
    /// </summary>
    internal const string WorkerHostLoggerProvider = "Microsoft.Azure.Functions.Worker.Logging.WorkerLoggerProvider";

    /// <summary>The logger provider of Application Insights, whose default rule keeps only warnings and above.</summary>
    internal const string ApplicationInsightsLoggerProvider = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";

    /// <summary>The app setting that turns on the worker's Application Insights telemetry (set by the Bicep when enabled).</summary>
    internal const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Adds the metric push (the settings of the section <c>MetricPush</c>, the invocation middleware, the payment series at
    /// zero), the app's services and its logging: every log line once on standard output, one line each
    /// (<c>warn: Category[EventId] message</c>); and Application Insights when its connection string is set.
    /// </summary>
    public static FunctionsApplicationBuilder ConfigurePaymentFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        builder.Services.AddPaymentFunctions(builder.Configuration);
        AddLogging(builder.Logging, builder.Configuration);
        return builder;
    }

    private static void AddLogging(ILoggingBuilder logging, ConfigurationManager configuration)
    {
        // The worker's builder removes the console provider (it would duplicate what the host forwards); the app wants
        // the console and not the forwarding: the host relays standard output whether or not an invocation is running.
        // One line per log entry, without colours: the host relays each line of standard output as one log line.
        logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.ColorBehavior = LoggerColorBehavior.Disabled;
            options.IncludeScopes = false;
        });
        logging.Services.Configure<LoggerFilterOptions>(options =>
            options.Rules.Add(new LoggerFilterRule(WorkerHostLoggerProvider, categoryName: null, LogLevel.None, filter: null)));

        if (!string.IsNullOrWhiteSpace(configuration[ApplicationInsightsConnectionString]))
        {
            // Microsoft's isolated-worker set-up: the worker sends its logs (and dependencies) to Application Insights
            // itself; the host still sends its requests. The SDK's default rule keeps only warnings: drop it so the
            // app's information logs (payments, pusher start and recovery) arrive too, filtered by the Logging levels.
            logging.Services.AddApplicationInsightsTelemetryWorkerService();
            logging.Services.ConfigureFunctionsApplicationInsights();
            logging.Services.Configure<LoggerFilterOptions>(options =>
            {
                var warningsOnly = options.Rules.FirstOrDefault(rule =>
                    rule.ProviderName == ApplicationInsightsLoggerProvider && rule.CategoryName is null);
                if (warningsOnly is not null)
                {
                    options.Rules.Remove(warningsOnly);
                }
            });
        }
    }
}
