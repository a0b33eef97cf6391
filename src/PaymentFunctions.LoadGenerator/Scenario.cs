using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentFunctions.LoadGenerator;

/// <summary>A range of amounts drawn uniformly (rounded to cents), chosen with the given weight.</summary>
internal sealed record AmountRange(decimal Min, decimal Max, double Weight);

/// <summary>
/// The mix of payments to send: weights of tiers, methods and currencies, and weighted amount ranges.
/// Loaded from a JSON scenario file or <see cref="Default"/>, which follows the seed's demo payments.
/// </summary>
internal sealed record Scenario(
    IReadOnlyList<KeyValuePair<string, double>> Tiers,
    IReadOnlyList<KeyValuePair<string, double>> Methods,
    IReadOnlyList<KeyValuePair<string, double>> Currencies,
    IReadOnlyList<AmountRange> Amounts)
{
    private static readonly JsonSerializerOptions FileOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// The seed's five demo payments as a mix: tiers standard 2, premium 2, basic 1; methods credit_card 2, paypal 1,
    /// debit_card 1, apple_pay 1; USD only; amounts like 25/50 (10-100), 150/500 (100-1000) and 1200 (above 1000,
    /// the high-severity side) in the proportion 2:2:1.
    /// </summary>
    public static Scenario Default { get; } = new(
        [new("standard", 2), new("premium", 2), new("basic", 1)],
        [new("credit_card", 2), new("paypal", 1), new("debit_card", 1), new("apple_pay", 1)],
        [new("USD", 1)],
        [new(10m, 100m, 2), new(100m, 1000m, 2), new(1000.01m, 5000m, 1)]);

    /// <summary>Reads and validates a scenario file; throws <see cref="ScenarioException"/> naming what is wrong.</summary>
    public static Scenario Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"cannot read scenario file '{path}': {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses and validates scenario JSON; a missing section falls back to the default's.</summary>
    public static Scenario Parse(string json, string source = "scenario")
    {
        ScenarioFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ScenarioFile>(json, FileOptions);
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"{source}: invalid JSON: {e.Message}", e);
        }

        if (file is null)
        {
            throw new ScenarioException($"{source}: expected a JSON object");
        }

        var scenario = new Scenario(
            file.Tiers?.ToList() ?? [.. Default.Tiers],
            file.Methods?.ToList() ?? [.. Default.Methods],
            file.Currencies?.ToList() ?? [.. Default.Currencies],
            file.Amounts ?? [.. Default.Amounts]);
        var errors = scenario.Validate();
        if (errors.Count > 0)
        {
            throw new ScenarioException($"{source}: {string.Join("; ", errors)}");
        }

        return scenario;
    }

    /// <summary>Every problem of the scenario, empty when it is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        CheckWeights("tiers", Tiers, errors);
        CheckWeights("methods", Methods, errors);
        CheckWeights("currencies", Currencies, errors);
        if (Amounts.Count == 0 || !Amounts.Any(a => a.Weight > 0))
        {
            errors.Add("amounts needs at least one range with a positive weight");
        }

        for (var i = 0; i < Amounts.Count; i++)
        {
            var range = Amounts[i];
            if (range.Min <= 0 || range.Max < range.Min)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"amounts[{i}] needs 0 < min <= max (min {range.Min}, max {range.Max})"));
            }

            if (!double.IsFinite(range.Weight) || range.Weight < 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"amounts[{i}] needs a finite weight >= 0"));
            }
        }

        return errors;
    }

    private static void CheckWeights(string name, IReadOnlyList<KeyValuePair<string, double>> weights, List<string> errors)
    {
        if (weights.Count == 0 || !weights.Any(w => w.Value > 0))
        {
            errors.Add($"{name} needs at least one entry with a positive weight");
        }

        foreach (var (key, weight) in weights)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                errors.Add($"{name} has an empty name");
            }

            if (!double.IsFinite(weight) || weight < 0)
            {
                errors.Add($"{name}.{key} needs a finite weight >= 0");
            }
        }
    }

    private sealed record ScenarioFile(
        Dictionary<string, double>? Tiers,
        Dictionary<string, double>? Methods,
        Dictionary<string, double>? Currencies,
        List<AmountRange>? Amounts);
}

/// <summary>A scenario file that cannot be used.</summary>
internal sealed class ScenarioException : Exception
{
    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ScenarioException()
    {
    }
}
