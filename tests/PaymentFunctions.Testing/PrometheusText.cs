using System.Globalization;
using System.Text;

namespace PaymentFunctions.Testing;

/// <summary>One sample of the Prometheus text exposition format.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Label, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Label, out var v) && v == l.Value);
}

/// <summary>Parses the Prometheus text exposition format (what a registry exports and a Pushgateway serves).</summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<Sample> samples) => Samples = samples;

    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseLine(line));
        }

        return new PrometheusText(samples);
    }

    /// <summary>Exports a prometheus-net registry and parses it.</summary>
    public static async Task<PrometheusText> FromRegistryAsync(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>Samples of one metric name that carry all the given labels.</summary>
    public IEnumerable<Sample> Find(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels));

    /// <summary>The value of the single sample with this name and labels; fails when there is none or more than one.</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        return found.Count switch
        {
            1 => found[0].Value,
            0 => throw new KeyNotFoundException($"No sample {Describe(name, labels)}."),
            _ => throw new InvalidOperationException($"{found.Count} samples match {Describe(name, labels)}."),
        };
    }

    /// <summary>The value of the sample, or 0 when the series does not exist (a counter never incremented).</summary>
    public double ValueOrZero(string name, params (string Label, string Value)[] labels) =>
        Find(name, labels).Sum(s => s.Value);

    /// <summary>The sum over every sample with this name and labels (a series the app created at zero adds 0).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Find(name, labels).Sum(s => s.Value);

    /// <summary>Distinct values of one label across a metric's samples.</summary>
    public IReadOnlySet<string> LabelValues(string name, string label) =>
        Samples.Where(s => s.Name == name && s.Labels.ContainsKey(label)).Select(s => s.Labels[label]).ToHashSet();

    private static string Describe(string name, (string Label, string Value)[] labels) =>
        name + "{" + string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\"")) + "}";

    private static Sample ParseLine(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        string name;
        string rest;
        if (brace >= 0)
        {
            name = line[..brace];
            var i = brace + 1;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq].Trim().TrimStart(',').Trim();
                var value = new StringBuilder();
                var j = eq + 2; // skip ="
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                labels[key] = value.ToString();
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            rest = line[(i + 1)..].Trim();
        }
        else
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            name = line[..space];
            rest = line[(space + 1)..].Trim();
        }

        var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var parsed = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }
}
