using System.Globalization;
using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// Whether a resource of the compiled template is deployed for given main parameters: its <c>condition</c> and that of
/// every module deployment around it, evaluated. Only what the conditions of this deployment use is understood
/// (<c>parameters</c>, <c>variables</c>, <c>not</c>, <c>and</c>, <c>or</c>, <c>equals</c>, <c>empty</c>, string and bool
/// literals); anything else fails the check with the expression, rather than being guessed.
/// </summary>
public static class ArmConditions
{
    /// <summary>The managed backend as deployed by default: the aggregating scraper.</summary>
    public static readonly IReadOnlyDictionary<string, string> AggregatedPath = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["metricsBackend"] = "managed",
        ["managedMetricsMode"] = "aggregated",
    };

    /// <summary>The managed backend's raw path: the Prometheus agent, the recording rules in Azure.</summary>
    public static readonly IReadOnlyDictionary<string, string> RawPath = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["metricsBackend"] = "managed",
        ["managedMetricsMode"] = "raw",
    };

    /// <summary>
    /// True when <paramref name="resource"/> of <paramref name="template"/> is deployed with <paramref name="mainParameters"/>
    /// (main parameters not given take their default).
    /// </summary>
    public static bool IsDeployed(ArmTemplate template, ArmResource resource, IReadOnlyDictionary<string, string> mainParameters)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(resource);
        if (resource.Element.TryGetProperty("condition", out var condition) && !IsTrue(template, condition, mainParameters))
        {
            return false;
        }

        for (var module = template; module.Deployment is { } deployment; module = module.Parent!)
        {
            if (deployment.TryGetProperty("condition", out var moduleCondition) && !IsTrue(module.Parent!, moduleCondition, mainParameters))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTrue(ArmTemplate scope, JsonElement condition, IReadOnlyDictionary<string, string> mainParameters) =>
        condition.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => AsBool(Evaluate(scope, condition.GetString()!, mainParameters), condition.GetString()!),
            _ => throw new NotSupportedException($"condition {condition.GetRawText()}"),
        };

    private static object Evaluate(ArmTemplate scope, string text, IReadOnlyDictionary<string, string> mainParameters)
    {
        if (!text.StartsWith('[') || !text.EndsWith(']') || text.StartsWith("[[", StringComparison.Ordinal))
        {
            return text;
        }

        var parser = new Parser(text[1..^1]);
        var expression = parser.Expression();
        parser.End();
        return Evaluate(scope, expression, mainParameters);
    }

    private static object Evaluate(ArmTemplate scope, Node node, IReadOnlyDictionary<string, string> mainParameters)
    {
        switch (node)
        {
            case Literal literal:
                return literal.Value;
            case Call { Name: "parameters", Arguments: [Literal { Value: string name }] }:
                return Parameter(scope, name, mainParameters);
            case Call { Name: "variables", Arguments: [Literal { Value: string name }] }:
                var variable = scope.Template.GetProperty("variables").GetProperty(name);
                return variable.ValueKind switch
                {
                    JsonValueKind.String => Evaluate(scope, variable.GetString()!, mainParameters),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new NotSupportedException($"variable {name}: {variable.GetRawText()}"),
                };
            case Call { Name: "not", Arguments: [var operand] }:
                return !AsBool(Evaluate(scope, operand, mainParameters), "not()");
            case Call { Name: "and", Arguments: var operands }:
                return operands.All(o => AsBool(Evaluate(scope, o, mainParameters), "and()"));
            case Call { Name: "or", Arguments: var operands }:
                return operands.Any(o => AsBool(Evaluate(scope, o, mainParameters), "or()"));
            case Call { Name: "equals", Arguments: [var left, var right] }:
                return Equals(Evaluate(scope, left, mainParameters), Evaluate(scope, right, mainParameters));
            case Call { Name: "empty", Arguments: [var operand] }:
                return Evaluate(scope, operand, mainParameters) is string s && s.Length == 0;
            default:
                throw new NotSupportedException($"ARM expression {node} is not one the checks evaluate");
        }
    }

    /// <summary>A parameter's value: in a module the expression its parent passes (evaluated there), at the top the given or default value.</summary>
    private static object Parameter(ArmTemplate scope, string name, IReadOnlyDictionary<string, string> mainParameters)
    {
        if (scope.Deployment is { } deployment)
        {
            var passed = deployment.GetProperty("properties").GetProperty("parameters").GetProperty(name).GetProperty("value");
            return passed.ValueKind switch
            {
                JsonValueKind.String => Evaluate(scope.Parent!, passed.GetString()!, mainParameters),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new NotSupportedException($"parameter {name} of module {scope.Name}: {passed.GetRawText()}"),
            };
        }

        if (mainParameters.TryGetValue(name, out var given))
        {
            return given;
        }

        var declared = scope.Template.GetProperty("parameters").GetProperty(name);
        return declared.TryGetProperty("defaultValue", out var value) && value.ValueKind == JsonValueKind.String
            ? Evaluate(scope, value.GetString()!, mainParameters)
            : throw new NotSupportedException($"main parameter {name} has no value given and no literal default");
    }

    private static bool AsBool(object value, string where) =>
        value is bool b ? b : throw new NotSupportedException($"{where} is not a bool: {value}");

    private abstract record Node;

    private sealed record Literal(object Value) : Node;

    private sealed record Call(string Name, IReadOnlyList<Node> Arguments) : Node
    {
        public override string ToString() => $"{Name}({string.Join(", ", Arguments)})";
    }

    /// <summary>The ARM expression grammar the conditions use: calls, 'strings', true and false.</summary>
    private sealed class Parser(string text)
    {
        private int _position;

        public Node Expression()
        {
            Skip();
            if (Peek() == '\'')
            {
                var end = text.IndexOf('\'', _position + 1);
                var value = text[(_position + 1)..end];
                _position = end + 1;
                return new Literal(value);
            }

            var start = _position;
            while (_position < text.Length && char.IsLetterOrDigit(text[_position]))
            {
                _position++;
            }

            var name = text[start.._position];
            if (name.Length == 0)
            {
                throw new NotSupportedException($"ARM expression '{text}' at {_position.ToString(CultureInfo.InvariantCulture)}");
            }

            Skip();
            if (Peek() != '(')
            {
                return name switch
                {
                    "true" => new Literal(true),
                    "false" => new Literal(false),
                    _ => throw new NotSupportedException($"ARM expression '{text}': {name}"),
                };
            }

            _position++;
            var arguments = new List<Node>();
            Skip();
            while (Peek() != ')')
            {
                arguments.Add(Expression());
                Skip();
                if (Peek() == ',')
                {
                    _position++;
                }
            }

            _position++;
            return new Call(name, arguments);
        }

        public void End()
        {
            Skip();
            if (_position != text.Length)
            {
                throw new NotSupportedException($"ARM expression '{text}' has more after {_position.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        private char Peek() => _position < text.Length ? text[_position] : '\0';

        private void Skip()
        {
            while (_position < text.Length && text[_position] == ' ')
            {
                _position++;
            }
        }
    }
}
