using System.Text.Json;
using System.Text.RegularExpressions;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// One template of a compiled ARM deployment: the top-level template or the inline template of a nested
/// deployment (a Bicep module), with the deployment resource that holds it and its parent template.
/// </summary>
public sealed partial class ArmTemplate
{
    private ArmTemplate(JsonElement template, string name, ArmTemplate? parent, JsonElement? deployment)
    {
        Template = template;
        Name = name;
        Parent = parent;
        Deployment = deployment;
        Resources = EnumerateResources(template).ToList();
        Children = Resources
            .Where(resource => resource.Type == "Microsoft.Resources/deployments")
            .Where(resource => resource.Element.TryGetProperty("properties", out var p) && p.TryGetProperty("template", out _))
            .Select(resource => new ArmTemplate(
                resource.Element.GetProperty("properties").GetProperty("template"), resource.Name, this, resource.Element))
            .ToList();
    }

    public JsonElement Template { get; }

    /// <summary>Name of the deployment holding this template (the module's deployment name); "main" at the top.</summary>
    public string Name { get; }

    public ArmTemplate? Parent { get; }

    public JsonElement? Deployment { get; }

    public IReadOnlyList<ArmResource> Resources { get; }

    public IReadOnlyList<ArmTemplate> Children { get; }

    public static ArmTemplate Parse(JsonElement root) => new(root, "main", null, null);

    /// <summary>This template and every nested one, depth first.</summary>
    public IEnumerable<ArmTemplate> SelfAndDescendants()
    {
        yield return this;
        foreach (var descendant in Children.SelectMany(child => child.SelfAndDescendants()))
        {
            yield return descendant;
        }
    }

    public IEnumerable<(ArmTemplate Template, ArmResource Resource)> AllResources(string type) =>
        SelfAndDescendants().SelectMany(t => t.Resources.Where(r => r.Type == type).Select(r => (t, r)));

    public IEnumerable<(string Name, JsonElement Output)> Outputs =>
        Template.TryGetProperty("outputs", out var outputs)
            ? outputs.EnumerateObject().Select(o => (o.Name, o.Value))
            : [];

    /// <summary>Names of the parameters declared securestring or secureObject.</summary>
    public IReadOnlySet<string> SecureParameters =>
        Template.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateObject()
                .Where(p => p.Value.TryGetProperty("type", out var type) && IsSecureType(type.GetString()))
                .Select(p => p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase)
            : new HashSet<string>();

    public string? ParameterType(string name) =>
        Template.TryGetProperty("parameters", out var parameters) && parameters.TryGetProperty(name, out var parameter)
        && parameter.TryGetProperty("type", out var type)
            ? type.GetString()
            : null;

    public static bool IsSecureType(string? type) =>
        string.Equals(type, "securestring", StringComparison.OrdinalIgnoreCase)
        || string.Equals(type, "secureObject", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Follows a value across module boundaries: <c>[parameters('p')]</c> becomes the value the parent passes for
    /// <c>p</c>; a parent value that is a sibling module's <c>outputs.o.value</c> becomes that module's output
    /// expression. Stops at the first expression that is neither.
    /// </summary>
    public (ArmTemplate Template, JsonElement Value) Resolve(JsonElement value, Func<ArmTemplate, JsonElement, bool>? stop = null)
    {
        var template = this;
        for (var hop = 0; hop < 8; hop++)
        {
            if (value.ValueKind != JsonValueKind.String || stop?.Invoke(template, value) == true)
            {
                return (template, value);
            }

            var text = value.GetString()!;
            var parameter = ParameterExpression().Match(text);
            if (parameter.Success && template.Deployment is { } deployment
                && deployment.GetProperty("properties").TryGetProperty("parameters", out var passed)
                && passed.TryGetProperty(parameter.Groups[1].Value, out var passedValue)
                && passedValue.TryGetProperty("value", out var inner))
            {
                (template, value) = (template.Parent!, inner);
                continue;
            }

            var output = ModuleOutputExpression().Match(text);
            if (output.Success
                && template.Children.SingleOrDefault(c => c.Name == output.Groups[1].Value) is { } module
                && module.Template.TryGetProperty("outputs", out var outputs)
                && outputs.TryGetProperty(output.Groups[2].Value, out var moduleOutput))
            {
                (template, value) = (module, moduleOutput.GetProperty("value"));
                continue;
            }

            return (template, value);
        }

        return (template, value);
    }

    private static IEnumerable<ArmResource> EnumerateResources(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        // languageVersion 2.0 templates hold resources in an object keyed by symbolic name.
        var elements = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => p.Value)
            : resources.EnumerateArray();
        foreach (var element in elements)
        {
            yield return new ArmResource(
                element.GetProperty("type").GetString() ?? "",
                element.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
                element);
        }
    }

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterExpression();

    [GeneratedRegex(@"^\[reference\(.*'Microsoft\.Resources/deployments', '([^']+)'\).*\)\.outputs\.([A-Za-z0-9_]+)\.value\]$")]
    private static partial Regex ModuleOutputExpression();
}

/// <summary>A resource of a template: type, name expression, and its JSON.</summary>
public sealed record ArmResource(string Type, string Name, JsonElement Element)
{
    public JsonElement? Property(params string[] path)
    {
        var current = Element;
        foreach (var segment in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }

        return current;
    }
}
