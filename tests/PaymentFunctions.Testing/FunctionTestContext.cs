using System.Security.Claims;
using System.Text;
using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace PaymentFunctions.Testing;

/// <summary>
/// A Moq'd <see cref="FunctionContext"/> over a real service provider, and test HTTP request/response objects:
/// there is no official test host for isolated-worker functions.
/// </summary>
public static class FunctionTestContext
{
    /// <summary>A function context whose services are <paramref name="services"/> (plus the worker's serializer) and whose invocation id is given.</summary>
    public static FunctionContext Create(IServiceProvider services, string invocationId, CancellationToken cancellationToken = default) =>
        Create(services, invocationId, definition: null, features: null, cancellationToken);

    /// <summary>As above, for the worker's pipeline: with the function's definition and the invocation's features.</summary>
    public static FunctionContext Create(IServiceProvider services, string invocationId, FunctionDefinition? definition, IInvocationFeatures? features, CancellationToken cancellationToken)
    {
        var provider = new WorkerServices(services);
        var context = new Mock<FunctionContext>();
        if (definition is not null)
        {
            context.SetupGet(c => c.FunctionDefinition).Returns(definition);
        }

        if (features is not null)
        {
            context.SetupGet(c => c.Features).Returns(features);
        }

        context.SetupProperty(c => c.InstanceServices, provider);
        context.SetupGet(c => c.InvocationId).Returns(invocationId);
        context.SetupGet(c => c.FunctionId).Returns(invocationId);
        context.SetupGet(c => c.CancellationToken).Returns(cancellationToken);
        context.SetupProperty(c => c.Items, new Dictionary<object, object>());
        return context.Object;
    }

    /// <summary>A POST request with the given body bytes.</summary>
    public static TestHttpRequestData Post(FunctionContext context, string url, byte[] body) =>
        new(context, new Uri(url), "POST", body);

    /// <summary>A POST request with the given UTF-8 text body.</summary>
    public static TestHttpRequestData Post(FunctionContext context, string url, string body) =>
        Post(context, url, Encoding.UTF8.GetBytes(body));

    /// <summary>Adds the worker's JSON serializer in front of the app's services, as the worker does.</summary>
    private sealed class WorkerServices(IServiceProvider inner) : IServiceProvider
    {
        private readonly IOptions<WorkerOptions> _workerOptions = Options.Create(new WorkerOptions { Serializer = new JsonObjectSerializer() });

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IOptions<WorkerOptions>) ? _workerOptions : inner.GetService(serviceType);
    }
}

/// <summary>An HTTP request as the worker would hand it to a function.</summary>
public sealed class TestHttpRequestData(FunctionContext context, Uri url, string method, byte[] body) : HttpRequestData(context)
{
    public override Stream Body { get; } = new MemoryStream(body, writable: false);

    public override HttpHeadersCollection Headers { get; } = new([new KeyValuePair<string, string>("Content-Type", "application/json")]);

    public override IReadOnlyCollection<IHttpCookie> Cookies { get; } = [];

    public override Uri Url { get; } = url;

    public override IEnumerable<ClaimsIdentity> Identities { get; } = [];

    public override string Method { get; } = method;

    public override HttpResponseData CreateResponse() => new TestHttpResponseData(FunctionContext);
}

/// <summary>A response that keeps status, headers and body for the test to read.</summary>
public sealed class TestHttpResponseData(FunctionContext context) : HttpResponseData(context)
{
    public override System.Net.HttpStatusCode StatusCode { get; set; }

    public override HttpHeadersCollection Headers { get; set; } = [];

    public override Stream Body { get; set; } = new MemoryStream();

    public override HttpCookies Cookies => throw new NotSupportedException("The payment function sets no cookies.");

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText()
    {
        Body.Position = 0;
        using var reader = new StreamReader(Body, Encoding.UTF8, leaveOpen: true);
        return reader.ReadToEnd();
    }

    /// <summary>The Content-Type header.</summary>
    public string? ContentType => Headers.TryGetValues("Content-Type", out var values) ? values.FirstOrDefault() : null;
}
