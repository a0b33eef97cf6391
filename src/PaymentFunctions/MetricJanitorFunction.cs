using Microsoft.Azure.Functions.Worker;
using AzureFunctions.PrometheusPush;

namespace PaymentFunctions;

/// <summary>
/// Deletes this job's Pushgateway groups that stopped pushing more than <c>MetricPush__GroupTtlMinutes</c> ago, on the
/// schedule in the app setting <c>MetricJanitorSchedule</c>. Timer triggers run on one instance at a time.
/// </summary>
public sealed class MetricJanitorFunction(PushGroupJanitor janitor)
{
    public const string ScheduleSetting = "MetricJanitorSchedule";

    [Function(nameof(ExpireStaleMetricGroups))]
    public async Task ExpireStaleMetricGroups([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await janitor.SweepAsync(context.CancellationToken);
    }
}
