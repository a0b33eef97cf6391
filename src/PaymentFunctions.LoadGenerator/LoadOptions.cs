namespace PaymentFunctions.LoadGenerator;

/// <summary>A validated run: where, how hard, for how long, what.</summary>
internal sealed record LoadOptions
{
    public required Uri Url { get; init; }

    /// <summary>Requests started per second regardless of responses (open model); null for the closed model.</summary>
    public double? Rate { get; init; }

    /// <summary>Workers each sending the next request when the previous one ends (closed model).</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Stop starting requests after this long; null for no time limit.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop after this many requests; null for no count limit.</summary>
    public long? Requests { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sent as <c>x-functions-key</c>; never printed.</summary>
    public string? FunctionKey { get; init; }

    public Scenario Scenario { get; init; } = Scenario.Default;

    public int? Seed { get; init; }

    /// <summary>
    /// Stop early as unreachable once this many requests failed at transport level before any HTTP response.
    /// </summary>
    public int UnreachableAfter { get; init; } = 5;

    public string Mode => Rate is { } rate ? FormattableString.Invariant($"open, rate {rate}/s") : FormattableString.Invariant($"closed, concurrency {Concurrency}");
}
