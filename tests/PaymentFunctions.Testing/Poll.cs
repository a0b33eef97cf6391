using System.Diagnostics;

namespace PaymentFunctions.Testing;

/// <summary>Waits for work done elsewhere by polling a condition with a deadline (never a plain sleep).</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(15);

    /// <summary>Polls until the condition holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after the deadline.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan? deadline = null, string what = "the condition holds") =>
        UntilAsync(() => Task.FromResult(condition()), deadline, what);

    /// <summary>Polls until the asynchronous condition holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? deadline = null, string what = "the condition holds")
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = deadline ?? DefaultDeadline;
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit} waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
