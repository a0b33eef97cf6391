namespace PaymentFunctions.Metrics;

/// <summary>
/// Creates one part of the app's bounded label space at zero. The pusher runs every registered initializer when it
/// starts, before its first push, so every counter and histogram series reaches Prometheus at 0 before it carries a
/// value: <c>rate()</c> and <c>increase()</c> cannot see the rise from nothing to a series' first sample, and a fleet of
/// short-lived instances is made of such first samples.
/// </summary>
public interface IMetricSeriesInitializer
{
    void CreateSeries(PaymentMetrics metrics);
}

/// <summary>The invocation series (every outcome), duration and cold-start series of each of the app's functions.</summary>
internal sealed class FunctionSeriesInitializer(IReadOnlyList<string> functionNames) : IMetricSeriesInitializer
{
    public void CreateSeries(PaymentMetrics metrics)
    {
        foreach (var function in functionNames)
        {
            foreach (var outcome in FunctionInvocationRecorder.Outcomes)
            {
                metrics.FunctionInvocations.WithLabels(function, outcome);
            }

            metrics.FunctionDuration.WithLabels(function);
            metrics.FunctionColdStarts.WithLabels(function);
        }
    }
}
