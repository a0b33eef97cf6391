namespace PaymentFunctions.Demo;

/// <summary>Prints what the Pushgateway holds for this run's group.</summary>
internal static class PushgatewayReport
{
    private static readonly string[] PaymentSeries =
        ["payment_requests_total", "payment_duration_seconds_count", "payment_duration_seconds_sum", "payment_amount_usd_count", "payment_amount_usd_sum", "errors_total", "database_connections_", "push_time_seconds"];

    /// <summary>Prints the group's payment series; returns 0 when the gateway holds them, 1 when it does not.</summary>
    public static async Task<int> PrintAsync(Uri gatewayMetrics, Uri groupUrl, TextWriter output, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text;
        try
        {
            text = await http.GetStringAsync(gatewayMetrics, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            await output.WriteLineAsync($"Could not read {gatewayMetrics}: {ex.Message}");
            return 1;
        }

        var instance = Uri.UnescapeDataString(groupUrl.Segments[^1]);
        var lines = text.Split('\n')
            .Where(line => !line.StartsWith('#') && line.Contains($"instance=\"{instance}\"", StringComparison.Ordinal))
            .Where(line => PaymentSeries.Any(name => line.StartsWith(name, StringComparison.Ordinal)))
            .ToList();

        await output.WriteLineAsync($"The Pushgateway now holds for {groupUrl}:");
        foreach (var line in lines)
        {
            await output.WriteLineAsync("  " + line);
        }

        await output.WriteLineAsync($"Look at: {gatewayMetrics.GetLeftPart(UriPartial.Authority)}/ (web UI) or {gatewayMetrics} (text)");
        if (!lines.Any(line => line.StartsWith("payment_requests_total", StringComparison.Ordinal)))
        {
            await output.WriteLineAsync("The payment metrics did not arrive at the Pushgateway.");
            return 1;
        }

        return 0;
    }
}
