using AzureFunctions.PrometheusPush;
using Microsoft.Azure.Functions.Worker;

namespace OrdersFunctions;

/// <summary>Deletes this app's Pushgateway groups of instances that stopped pushing (the gateway never forgets a group).</summary>
public sealed class MetricJanitorFunction(PushGroupJanitor janitor)
{
    [Function(nameof(ExpireStaleMetricGroups))]
    public Task ExpireStaleMetricGroups([TimerTrigger("0 */5 * * * *")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return janitor.SweepAsync(context.CancellationToken);
    }
}
