using System.Diagnostics;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Scrapes a gateway's <c>/metrics</c> as Prometheus would, one scrape at a time, every <c>every</c> until cancelled:
/// the duration of each (request to last byte) and its size.
/// </summary>
internal sealed class ScrapeProbe(Uri gateway, TimeSpan every)
{
    private readonly List<(double Seconds, long Bytes)> _scrapes = [];

    public IReadOnlyList<(double Seconds, long Bytes)> Scrapes => _scrapes;

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();
        for (var next = TimeSpan.Zero; !stop.IsCancellationRequested; next += every)
        {
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            _scrapes.Add(await ScrapeAsync(http));
        }
    }

    /// <summary>One scrape, whole body read (a scrape that outlives the period still counts).</summary>
    private async Task<(double Seconds, long Bytes)> ScrapeAsync(HttpClient http)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(new Uri(gateway, "/metrics"), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }

        return (Stopwatch.GetElapsedTime(started).TotalSeconds, bytes);
    }
}
