using System.Globalization;
using System.Text.Json;

namespace PaymentFunctions.Fleet;

/// <summary>One sample of an instant query: its labels and value.</summary>
public sealed record PromSeries(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;

    public override string ToString() =>
        "{" + string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "} "
        + Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A small client of Prometheus' HTTP API: instant queries (POST /api/v1/query) and Prometheus' own /metrics.</summary>
public sealed class PrometheusQueryClient(HttpClient http) : IDisposable
{
    public PrometheusQueryClient(Uri baseUrl)
        : this(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) })
    {
    }

    /// <summary>Runs an instant query at <paramref name="time"/> (Unix seconds) or now; throws with Prometheus' error.</summary>
    public async Task<IReadOnlyList<PromSeries>> QueryAsync(string query, double? time = null, CancellationToken cancellationToken = default)
    {
        var parameters = new Dictionary<string, string> { ["query"] = query };
        if (time is { } t)
        {
            parameters["time"] = t.ToString("0.###", CultureInfo.InvariantCulture);
        }

        using var content = new FormUrlEncodedContent(parameters);
        using var response = await http.PostAsync(new Uri("api/v1/query", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Query failed: {query}\n{body}");
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() switch
        {
            "vector" => result.EnumerateArray().Select(s => ToSeries(s.GetProperty("metric"), s.GetProperty("value"))).ToList(),
            "scalar" => [ToSeries(null, result)],
            var other => throw new InvalidOperationException($"Query {query} returned a {other}, not an instant vector or scalar."),
        };
    }

    /// <summary>The single value of a query, or null when it returns nothing.</summary>
    public async Task<double?> ScalarAsync(string query, double? time = null, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(query, time, cancellationToken).ConfigureAwait(false);
        return result.Count switch
        {
            0 => null,
            1 => result[0].Value,
            _ => throw new InvalidOperationException($"Query {query} returned {result.Count} series, not one."),
        };
    }

    /// <summary>Prometheus' own unlabelled metrics from its /metrics endpoint (it does not scrape itself here).</summary>
    public async Task<IReadOnlyDictionary<string, double>> OwnMetricsAsync(CancellationToken cancellationToken = default)
    {
        var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || line.Contains('{', StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }

        return values;
    }

    public void Dispose() => http.Dispose();

    private static PromSeries ToSeries(JsonElement? metric, JsonElement value)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metric is { } m)
        {
            foreach (var label in m.EnumerateObject())
            {
                labels[label.Name] = label.Value.GetString()!;
            }
        }

        var text = value[1].GetString()!;
        var parsed = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PromSeries(labels, parsed);
    }
}
