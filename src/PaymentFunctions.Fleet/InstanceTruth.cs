namespace PaymentFunctions.Fleet;

/// <summary>What one instance recorded, counted by the fleet beside the app's own metrics.</summary>
public sealed class InstanceTruth(PlannedInstance plan)
{
    public PlannedInstance Plan { get; } = plan;

    public string Id => Plan.Id;

    public LifetimeClass Class => Plan.Class;

    public int Succeeded { get; internal set; }

    public int Failed { get; internal set; }

    public int Payments => Succeeded + Failed;

    public int HighSeverityErrors { get; internal set; }

    public int MediumSeverityErrors { get; internal set; }

    public int Errors => HighSeverityErrors + MediumSeverityErrors;

    /// <summary>Payments above 1000 USD (the dashboard's high-value share).</summary>
    public int AboveThousandUsd { get; internal set; }

    /// <summary>Observations of <c>payment_duration_seconds</c>, counted by the fleet.</summary>
    public int DurationCount { get; internal set; }

    /// <summary>
    /// Sum of <c>payment_duration_seconds</c> as the instance's own registry holds it at stop: the payment service times
    /// each payment itself, so this value is read back, not measured twice.
    /// </summary>
    public double DurationSum { get; internal set; }

    public int InvocationsSucceeded { get; internal set; }

    public int InvocationsFailed { get; internal set; }

    /// <summary>Wall-clock time from host start to host stop (final push included).</summary>
    public TimeSpan ActualLifetime { get; internal set; }

    /// <summary>Every payment as it completed, in order: the truth of a rate over any window.</summary>
    public IReadOnlyList<PaymentEvent> Events => _events;

    /// <summary>When it was killed (Unix seconds; <see cref="PlannedInstance.KilledAfter"/>), or null.</summary>
    public double? KilledAt { get; internal set; }

    private readonly List<PaymentEvent> _events = [];

    internal void Record(PaymentEvent payment)
    {
        lock (_events)
        {
            _events.Add(payment);
        }
    }
}

/// <summary>One payment as an instance made it: when it completed (Unix seconds, wall clock) and whether it succeeded.</summary>
public sealed record PaymentEvent(double At, bool Succeeded);

/// <summary>Sums of the truth over a set of instances.</summary>
public sealed record FleetTotals(
    int Instances,
    int Payments,
    int Succeeded,
    int Failed,
    int HighSeverityErrors,
    int MediumSeverityErrors,
    int AboveThousandUsd,
    int DurationCount,
    double DurationSum,
    int InvocationsSucceeded,
    int InvocationsFailed)
{
    public static FleetTotals Of(IEnumerable<InstanceTruth> instances)
    {
        var list = instances.ToList();
        return new FleetTotals(
            list.Count,
            list.Sum(i => i.Payments),
            list.Sum(i => i.Succeeded),
            list.Sum(i => i.Failed),
            list.Sum(i => i.HighSeverityErrors),
            list.Sum(i => i.MediumSeverityErrors),
            list.Sum(i => i.AboveThousandUsd),
            list.Sum(i => i.DurationCount),
            list.Sum(i => i.DurationSum),
            list.Sum(i => i.InvocationsSucceeded),
            list.Sum(i => i.InvocationsFailed));
    }
}

/// <summary>The truth of a whole fleet run.</summary>
public sealed class FleetResult(FleetPlan plan, FleetSettings settings, IReadOnlyList<InstanceTruth> instances)
{
    public FleetPlan Plan { get; } = plan;

    public FleetSettings Settings { get; } = settings;

    public IReadOnlyList<InstanceTruth> Instances { get; } = instances;

    public FleetTotals Totals => FleetTotals.Of(Instances);

    public IEnumerable<InstanceTruth> InClass(LifetimeClass lifetimeClass) => Instances.Where(i => i.Class == lifetimeClass);

    public FleetTotals TotalsOf(LifetimeClass lifetimeClass) => FleetTotals.Of(InClass(lifetimeClass));
}
