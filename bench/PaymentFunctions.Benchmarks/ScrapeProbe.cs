using System.Diagnostics;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Scrapes a gateway's <c>/metrics</c> as Prometheus would, one scrape at a time, every <c>every</c> until cancelled:
/// the duration of each (request to last byte) and its size (uncompressed). As Prometheus does, it asks for gzip (the
/// gateway compresses every scrape) and starts at <c>offset</c> into the interval: Prometheus spreads its targets'
/// scrapes over the interval (an offset per target), so shards are not all scraped at the same instant.
/// </summary>
internal sealed class ScrapeProbe(Uri gateway, TimeSpan every, TimeSpan offset)
{
    private readonly List<(double Seconds, long Bytes)> _scrapes = [];

    public IReadOnlyList<(double Seconds, long Bytes)> Scrapes => _scrapes;

    public async Task RunAsync(CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();
        for (var next = offset; !stop.IsCancellationRequested; next += every)
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
