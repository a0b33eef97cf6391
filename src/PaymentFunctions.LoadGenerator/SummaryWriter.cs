using System.Globalization;
using System.Text.Json;

namespace PaymentFunctions.LoadGenerator;

/// <summary>The final summary, as text for people or JSON for scripts.</summary>
internal static class SummaryWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteJson(RunSummary summary, TextWriter output)
    {
        output.WriteLine(JsonSerializer.Serialize(summary, JsonOptions));
    }

    public static void WriteText(RunSummary summary, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Target:       {summary.Target}"));
        output.WriteLine(string.Create(c, $"Mode:         {summary.Mode}"));
        output.WriteLine(string.Create(c, $"Elapsed:      {summary.ElapsedSeconds:F2} s"));
        output.WriteLine(string.Create(c, $"Requests:     {summary.Requests} ({summary.Responses} responses, {summary.TransportErrors} transport errors)"));
        output.WriteLine(string.Create(c, $"Throughput:   {summary.ThroughputPerSecond:F2} req/s"));
        output.WriteLine(summary.LatencyMs is { } l
            ? string.Create(c, $"Latency (ms): p50 {l.P50:F2}  p95 {l.P95:F2}  p99 {l.P99:F2}  max {l.Max:F2}")
            : "Latency (ms): no responses");
        output.WriteLine("Status codes:");
        if (summary.StatusCodes.Count == 0)
        {
            output.WriteLine("  none");
        }

        foreach (var (status, count) in summary.StatusCodes)
        {
            output.WriteLine(string.Create(c, $"  {status}: {count}"));
        }

        if (summary.TransportErrorKinds.Count > 0)
        {
            output.WriteLine("Transport errors:");
            foreach (var (kind, count) in summary.TransportErrorKinds)
            {
                output.WriteLine(string.Create(c, $"  {kind}: {count}"));
            }
        }

        if (summary.Unreachable)
        {
            output.WriteLine("Result:       target unreachable (no HTTP response)");
        }
    }
}
