namespace PaymentFunctions.Faults.Tests;

/// <summary>The figures a fault must stay within, shared by every fault's test.</summary>
internal static class Expect
{
    /// <summary>Counts at the last scrape: within 1 % of the truth.</summary>
    public const double CountTolerance = 0.01;

    /// <summary>
    /// Nothing counted twice: the count at the last scrape within 1 % of the truth, less at most what the fault may lose
    /// by design (<see cref="FaultOutcome.MayLose"/>), and the panel never above the truth.
    /// </summary>
    public static void NothingCountedTwice(FaultOutcome outcome)
    {
        var slack = CountTolerance * outcome.True;
        Assert.True(outcome.Counted <= outcome.True + slack && outcome.Counted >= outcome.True - outcome.MayLose - slack, outcome.Summary());
        Assert.True(!outcome.Panel.Any(r => r.Over), $"The panel read above the truth:\n{string.Join("\n", outcome.Panel.Where(r => r.Over).Select(r => r.Describe()))}\n{outcome.Summary()}");
    }

    /// <summary>The panel read below the truth at most <paramref name="seconds"/> after the fault, never later.</summary>
    public static void PanelRightWithin(FaultOutcome outcome, double seconds) =>
        Assert.True(outcome.UnderUntil <= seconds, $"The panel read below the truth {outcome.UnderUntil:F0} s after the fault (bound {seconds} s):\n{string.Join("\n", outcome.Panel.Where(r => r.Under).Select(r => r.Describe()))}");

    /// <summary>Only the alerts that tell the operator about this fault, pending or firing; none other.</summary>
    public static void OnlyAlerts(FaultOutcome outcome, params string[] allowed)
    {
        var unexpected = outcome.Alerts.Keys.Except(allowed, StringComparer.Ordinal).ToList();
        Assert.True(unexpected.Count == 0, $"Alerts the fault alone should not raise: {string.Join(", ", unexpected)}\n{outcome.Summary()}");
    }
}
