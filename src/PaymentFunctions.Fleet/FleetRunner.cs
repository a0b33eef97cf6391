using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Fleet;

/// <summary>
/// How every instance of a fleet pushes. The defaults are the shipped configuration: protobuf with created timestamps,
/// no first-values hold, every series created at zero.
/// </summary>
public sealed class FleetSettings
{
    /// <summary>The Pushgateway, or the Pushgateway shards, every instance is configured with (MetricPush:Url).</summary>
    public required IReadOnlyList<Uri> Pushgateways { get; init; }

    public string Job { get; init; } = "payment-functions";

    /// <summary>MetricPush:FirstValuesDelaySeconds: 0 as shipped; a scraper without created timestamps needs the hold.</summary>
    public double FirstValuesDelaySeconds { get; init; }

    /// <summary>MetricPush:Format: protobuf (created timestamps) as shipped, or text.</summary>
    public PushFormat Format { get; init; } = PushFormat.Protobuf;

    /// <summary>Creates the app's series at zero at start-up; off creates none (before the fix).</summary>
    public bool InitializeSeries { get; init; } = true;

    public double PushIntervalSeconds { get; init; } = 1;

    public double PushMinIntervalSeconds { get; init; } = 0.2;

    public double PushTimeoutSeconds { get; init; } = 2;

    public double FailureRate { get; init; } = 0.2;

    public double PremiumFailureRate { get; init; } = 0.1;

    public double TimeoutShare { get; init; } = 0.3;

    public double LatencyScale { get; init; } = 0.02;

    /// <summary>
    /// The app before any fleet fix: text pushes (no created timestamps), no hold, no series created at zero. What a
    /// new series first shows in a scrape is then lost to <c>increase()</c>, which shows the fleet comparison can fail.
    /// </summary>
    public static FleetSettings Before(Uri pushgatewayUrl, string job = "payment-functions") =>
        new() { Pushgateways = [pushgatewayUrl], Job = job, FirstValuesDelaySeconds = 0, InitializeSeries = false, Format = PushFormat.Text };
}

/// <summary>
/// Runs a <see cref="FleetPlan"/>: every instance is its own host (the app's payment registrations, its own registry,
/// pusher and instance id), started at its planned offset, making its payments through its <see cref="PaymentService"/>
/// inside the push library's invocation recorder as the worker middleware does, and stopped after its
/// lifetime (the host's stop makes the final push). Offsets and paces come from <paramref name="timeProvider"/>.
/// </summary>
public sealed class FleetRunner(TimeProvider timeProvider)
{
    public const string FunctionName = "ProcessPayment";
    private const decimal HighSeverityAboveUsd = 1000m;

    public async Task<FleetResult> RunAsync(FleetPlan plan, FleetSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var started = timeProvider.GetTimestamp();
        var runs = plan.Instances.Select(instance => RunInstanceAsync(instance, settings, started, cancellationToken)).ToList();
        var truths = await Task.WhenAll(runs).ConfigureAwait(false);
        return new FleetResult(plan, settings, truths);
    }

    private async Task<InstanceTruth> RunInstanceAsync(PlannedInstance instance, FleetSettings settings, long fleetStart, CancellationToken cancellationToken)
    {
        await DelayUntilAsync(fleetStart, instance.StartOffset, cancellationToken).ConfigureAwait(false);
        var truth = new InstanceTruth(instance);
        var killSwitch = new KillSwitch();
        using var host = BuildHost(instance, settings, killSwitch);
        var hostStart = timeProvider.GetTimestamp();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        var payments = host.Services.GetRequiredService<PaymentService>();
        var recorder = host.Services.GetRequiredService<InvocationRecorder>();
        var metrics = host.Services.GetRequiredService<PaymentMetrics>();
        var end = instance.KilledAfter ?? instance.Lifetime;

        foreach (var payment in instance.Payments.Where(p => p.Offset < end))
        {
            await DelayUntilAsync(hostStart, payment.Offset, cancellationToken).ConfigureAwait(false);
            var succeeded = await ProcessAsync(payments, recorder, payment.Request, truth, cancellationToken).ConfigureAwait(false);
            truth.Record(new PaymentEvent(timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, succeeded));
        }

        await DelayUntilAsync(hostStart, end, cancellationToken).ConfigureAwait(false);
        if (instance.KilledAfter is not null)
        {
            // Killed: nothing more leaves the process, so the stop's final push never reaches the gateway.
            killSwitch.Kill();
            truth.KilledAt = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        }

        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        truth.ActualLifetime = timeProvider.GetElapsedTime(hostStart);
        truth.DurationSum = metrics.PaymentDuration.GetAllLabelValues()
            .Sum(labels => metrics.PaymentDuration.WithLabels(labels).Sum);
        return truth;
    }

    /// <summary>
    /// One payment as the function runs it: a decline is a 402 (client error), a gateway timeout a 504 (failure). The
    /// truth keeps failures apart and counts declines with the successes: only the total is compared. Returns whether
    /// the payment succeeded.
    /// </summary>
    private static async Task<bool> ProcessAsync(PaymentService payments, InvocationRecorder recorder, PaymentRequest request, InstanceTruth truth, CancellationToken cancellationToken)
    {
        var serverError = false;
        var succeeded = false;
        var status = 200;
        await recorder.RecordAsync(FunctionName, async () =>
        {
            try
            {
                await payments.ProcessAsync(request, request.OrderId, cancellationToken).ConfigureAwait(false);
                truth.Succeeded++;
                succeeded = true;
            }
            catch (PaymentException ex)
            {
                truth.Failed++;
                if (request.Amount > HighSeverityAboveUsd)
                {
                    truth.HighSeverityErrors++;
                }
                else
                {
                    truth.MediumSeverityErrors++;
                }

                serverError = ex is GatewayTimeoutException;
                status = serverError ? 504 : 402;
            }
            finally
            {
                truth.DurationCount++;
                if (request.Amount > HighSeverityAboveUsd)
                {
                    truth.AboveThousandUsd++;
                }
            }
        }, () => status).ConfigureAwait(false);

        if (serverError)
        {
            truth.InvocationsFailed++;
        }
        else
        {
            truth.InvocationsSucceeded++;
        }

        return succeeded;
    }

    private async Task DelayUntilAsync(long origin, TimeSpan offset, CancellationToken cancellationToken)
    {
        var remaining = offset - timeProvider.GetElapsedTime(origin);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private IHost BuildHost(PlannedInstance instance, FleetSettings settings, KillSwitch killSwitch)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MetricPush:Url"] = string.Join(',', settings.Pushgateways.Select(g => g.AbsoluteUri)),
            ["MetricPush:Job"] = settings.Job,
            ["MetricPush:Instance"] = instance.Id,
            ["MetricPush:IntervalSeconds"] = Invariant(settings.PushIntervalSeconds),
            ["MetricPush:MinIntervalSeconds"] = Invariant(settings.PushMinIntervalSeconds),
            ["MetricPush:FirstValuesDelaySeconds"] = Invariant(settings.FirstValuesDelaySeconds),
            ["MetricPush:Format"] = settings.Format.ToString(),
            ["MetricPush:TimeoutSeconds"] = Invariant(settings.PushTimeoutSeconds),
            ["SimulatedGateway:Seed"] = Invariant(instance.GatewaySeed),
            ["SimulatedGateway:FailureRate"] = Invariant(settings.FailureRate),
            ["SimulatedGateway:PremiumFailureRate"] = Invariant(settings.PremiumFailureRate),
            ["SimulatedGateway:TimeoutShare"] = Invariant(settings.TimeoutShare),
            ["SimulatedGateway:LatencyScale"] = Invariant(settings.LatencyScale),
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddPrometheusPush("MetricPush", push =>
        {
            push.UseInvocationMetrics(settings.InitializeSeries ? [FunctionName] : []);
            if (settings.InitializeSeries)
            {
                push.CreateSeries(PaymentsServiceCollectionExtensions.CreatePaymentSeries);
            }
        });
        builder.Services.AddPayments(builder.Configuration);
        builder.Services.AddHttpClient(PushHttp.PushClientName).AddHttpMessageHandler(() => new KilledInstanceHandler(killSwitch));

        return builder.Build();
    }

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Turned once an instance is killed: from then on its pushes fail inside the process.</summary>
internal sealed class KillSwitch
{
    private volatile bool _killed;

    public bool Killed => _killed;

    public void Kill() => _killed = true;
}

/// <summary>
/// The push client's last handler in a fleet instance: once its <see cref="KillSwitch"/> is turned, every request fails
/// before it leaves the process, as nothing leaves a killed process (a handler per client build, one switch per instance).
/// </summary>
internal sealed class KilledInstanceHandler(KillSwitch killSwitch) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        killSwitch.Killed
            ? Task.FromException<HttpResponseMessage>(new HttpRequestException("The instance was killed: nothing leaves its process."))
            : base.SendAsync(request, cancellationToken);
}
