using System.Collections.Immutable;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace PaymentFunctions.Testing;

/// <summary>
/// Sends invocations through the worker's own middleware pipeline of a built app (the <see cref="FunctionExecutionDelegate"/>
/// the worker composes from its default middleware, every <c>UseMiddleware</c> of the app and its function executor),
/// as the worker does for an invocation the host sends over gRPC. The worker has no public way to build an invocation,
/// so two pieces stand in for what its gRPC layer adds: the function definition (from the function's method, as the
/// worker's metadata describes it) and the worker's internal binding feature, which carries the trigger input in and the
/// invocation result out. Everything else (input conversion, the executor that calls the function, the output-binding
/// middleware, the app's middleware reading the HTTP result) is the worker's and the app's code.
/// </summary>
public sealed class WorkerPipeline
{
    private static readonly Assembly WorkerCore = typeof(FunctionContext).Assembly;

    private static readonly Type BindingsFeatureType =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature", throwOnError: true)!;

    private static readonly Type FeaturesFactoryType =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.IInvocationFeaturesFactory", throwOnError: true)!;

    private static readonly Type ConversionProviderType =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.Context.Features.IInputConversionFeatureProvider", throwOnError: true)!;

    private static readonly Type ConversionFeatureType =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.Context.Features.DefaultInputConversionFeature", throwOnError: true)!;

    private static readonly Type ConversionFeatureInterface =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.Context.Features.IInputConversionFeature", throwOnError: true)!;

    private static readonly Type OutputBindingsInfoProviderType =
        WorkerCore.GetType("Microsoft.Azure.Functions.Worker.OutputBindings.IOutputBindingsInfoProvider", throwOnError: true)!;

    private readonly IServiceProvider _services;
    private readonly FunctionExecutionDelegate _pipeline;

    /// <param name="services">The built app's services (<c>IHost.Services</c> of the worker's builder).</param>
    public WorkerPipeline(IServiceProvider services)
    {
        _services = services;
        _pipeline = services.GetRequiredService<FunctionExecutionDelegate>();
    }

    /// <summary>
    /// Invokes the HTTP-triggered <paramref name="function"/> with a POST of <paramref name="body"/> through the pipeline;
    /// returns the HTTP response the function returned. An exception of the function propagates, as in the worker.
    /// </summary>
    public async Task<TestHttpResponseData> PostAsync(MethodInfo function, string url, string body, string invocationId = "invocation-1", CancellationToken cancellationToken = default)
    {
        HttpResponseData? response = null;
        await InvokeAsync(function, invocationId, context => FunctionTestContext.Post(context, url, body), result => response = result as HttpResponseData, cancellationToken).ConfigureAwait(false);
        return (TestHttpResponseData)(response ?? throw new InvalidOperationException($"{function.Name} returned no HTTP response."));
    }

    /// <summary>Invokes a function whose trigger input is <paramref name="trigger"/> (for a timer, a <see cref="TimerInfo"/>).</summary>
    public Task InvokeAsync(MethodInfo function, object trigger, string invocationId = "invocation-1", CancellationToken cancellationToken = default) =>
        InvokeAsync(function, invocationId, _ => trigger, _ => { }, cancellationToken);

    private async Task InvokeAsync(MethodInfo function, string invocationId, Func<FunctionContext, object> trigger, Action<object?> result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var definition = new MethodFunctionDefinition(function);
        await using var scope = _services.CreateAsyncScope();
        var features = (IInvocationFeatures)FeaturesFactoryType.GetMethod("Create")!.Invoke(_services.GetRequiredService(FeaturesFactoryType), null)!;
        features.Set<FunctionDefinition>(definition);
        var context = FunctionTestContext.Create(scope.ServiceProvider, invocationId, definition, features, cancellationToken);
        var outputBindings = OutputBindingsInfoProviderType.GetMethod("GetBindingsInfo")!
            .Invoke(_services.GetRequiredService(OutputBindingsInfoProviderType), [definition]);
        var bindings = BindingsFeature.Create(
            new Dictionary<string, object?> { [definition.TriggerName] = trigger(context) },
            outputBindings!);
        SetFeature(features, BindingsFeatureType, bindings);

        // The input conversion the worker's gRPC layer adds to every invocation.
        var conversionArguments = new object?[] { ConversionFeatureType, null };
        if ((bool)ConversionProviderType.GetMethod("TryCreate")!.Invoke(_services.GetRequiredService(ConversionProviderType), conversionArguments)!)
        {
            SetFeature(features, ConversionFeatureInterface, conversionArguments[1]!);
        }

        await _pipeline(context).ConfigureAwait(false);
        result(((BindingsFeature)bindings).InvocationResult);
    }

    /// <summary>
    /// A finished invocation of <paramref name="function"/>'s context as middleware sees it after <c>next</c> returned: the
    /// worker's binding feature holding <paramref name="result"/> (what the function returned), and
    /// <paramref name="httpContext"/> in <see cref="FunctionContext.Items"/> where the ASP.NET Core integration keeps the
    /// request's <c>HttpContext</c>.
    /// </summary>
    public static FunctionContext Finished(IServiceProvider services, MethodInfo function, object? result, object? httpContext = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(function);
        var definition = new MethodFunctionDefinition(function);
        var features = (IInvocationFeatures)FeaturesFactoryType.GetMethod("Create")!.Invoke(services.GetRequiredService(FeaturesFactoryType), null)!;
        features.Set<FunctionDefinition>(definition);
        var outputBindings = OutputBindingsInfoProviderType.GetMethod("GetBindingsInfo")!
            .Invoke(services.GetRequiredService(OutputBindingsInfoProviderType), [definition]);
        var bindings = BindingsFeature.Create([], outputBindings!);
        ((BindingsFeature)bindings).InvocationResult = result;
        SetFeature(features, BindingsFeatureType, bindings);
        var context = FunctionTestContext.Create(services, "finished", definition, features, CancellationToken.None);
        if (httpContext is not null)
        {
            context.Items["HttpRequestContext"] = httpContext;
        }

        return context;
    }

    private static void SetFeature(IInvocationFeatures features, Type type, object feature) =>
        typeof(IInvocationFeatures).GetMethod(nameof(IInvocationFeatures.Set))!.MakeGenericMethod(type).Invoke(features, [feature]);

    /// <summary>The worker's internal binding feature, as its gRPC layer fills it for one invocation.</summary>
    public class BindingsFeature : DispatchProxy
    {
        private Dictionary<string, object?> _inputData = [];
        private object _outputBindingsInfo = null!;
        private readonly Dictionary<string, object?> _outputBindingData = [];

        public object? InvocationResult { get; internal set; }

        internal static object Create(Dictionary<string, object?> inputData, object outputBindingsInfo)
        {
            var proxy = (BindingsFeature)Create(BindingsFeatureType, typeof(BindingsFeature));
            proxy._inputData = inputData;
            proxy._outputBindingsInfo = outputBindingsInfo;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_TriggerMetadata" => ImmutableDictionary<string, object?>.Empty,
            "get_InputData" => _inputData,
            "get_OutputBindingData" => _outputBindingData,
            "get_OutputBindingsInfo" => _outputBindingsInfo,
            "get_InvocationResult" => InvocationResult,
            "set_InvocationResult" => InvocationResult = args![0],
            _ => throw new NotSupportedException($"The worker asked the binding feature for {targetMethod?.Name}, which this test stand-in does not know."),
        };
    }

    /// <summary>A function's definition as the worker builds it from the function metadata: name, entry point, bindings.</summary>
    private sealed class MethodFunctionDefinition : FunctionDefinition
    {
        public MethodFunctionDefinition(MethodInfo method)
        {
            Name = method.GetCustomAttribute<FunctionAttribute>()?.Name ?? throw new ArgumentException($"{method.Name} has no [Function] attribute.", nameof(method));
            EntryPoint = $"{method.DeclaringType!.FullName}.{method.Name}";
            PathToAssembly = method.DeclaringType.Assembly.Location;
            Id = $"{Name}-id";
            Parameters = [.. method.GetParameters().Select(p => new FunctionParameter(p.Name!, p.ParameterType))];
            var trigger = method.GetParameters().First(p => p.ParameterType != typeof(FunctionContext) && p.ParameterType != typeof(CancellationToken));
            TriggerName = trigger.Name!;
            var isHttp = trigger.ParameterType == typeof(HttpRequestData);
            InputBindings = ImmutableDictionary<string, BindingMetadata>.Empty.Add(TriggerName, new Binding(TriggerName, isHttp ? "httpTrigger" : "timerTrigger", BindingDirection.In));
            OutputBindings = isHttp
                ? ImmutableDictionary<string, BindingMetadata>.Empty.Add("$return", new Binding("$return", "http", BindingDirection.Out))
                : ImmutableDictionary<string, BindingMetadata>.Empty;
        }

        public string TriggerName { get; }

        public override ImmutableArray<FunctionParameter> Parameters { get; }

        public override string PathToAssembly { get; }

        public override string EntryPoint { get; }

        public override string Id { get; }

        public override string Name { get; }

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; }

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; }
    }

    private sealed class Binding(string name, string type, BindingDirection direction) : BindingMetadata
    {
        public override string Name { get; } = name;

        public override string Type { get; } = type;

        public override BindingDirection Direction { get; } = direction;
    }
}
