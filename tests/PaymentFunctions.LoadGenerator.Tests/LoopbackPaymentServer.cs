using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PaymentFunctions.LoadGenerator.Tests;

/// <summary>What the loopback server received.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string? FunctionKey, string? ContentType, string Body);

/// <summary>
/// A payment endpoint stand-in on 127.0.0.1 and a free port: the n-th request it receives is answered with the n-th
/// status of the script (cycling). It records every request and counts every status it sent.
/// </summary>
internal sealed class LoopbackPaymentServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly int[] _script;
    private readonly Task _loop;
    private readonly ConcurrentDictionary<int, int> _sent = new();
    private int _received;

    private LoopbackPaymentServer(HttpListener listener, int port, int[] script)
    {
        _listener = listener;
        _script = script;
        Url = new Uri($"http://127.0.0.1:{port}/api/payments");
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Statuses actually written, by code.</summary>
    public IReadOnlyDictionary<int, int> Sent => _sent;

    public static LoopbackPaymentServer Start(params int[] script)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new LoopbackPaymentServer(listener, port, script);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Someone took the port between probing and binding: try another.
                listener.Close();
            }
        }
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        var handlers = new List<Task>();
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }

            handlers.Add(HandleAsync(context));
        }

        await Task.WhenAll(handlers).ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync().ConfigureAwait(false);
            }

            Requests.Enqueue(new ReceivedRequest(
                context.Request.HttpMethod,
                context.Request.Url!.AbsolutePath,
                context.Request.Headers["x-functions-key"],
                context.Request.ContentType,
                body));
            var n = Interlocked.Increment(ref _received);
            var status = _script[(n - 1) % _script.Length];
            var payload = Encoding.UTF8.GetBytes(status == 200 ? """{"status":"success"}""" : """{"type":"urn:test"}""");
            context.Response.StatusCode = status;
            context.Response.ContentType = status == 200 ? "application/json" : "application/problem+json";
            context.Response.ContentLength64 = payload.Length;
            await context.Response.OutputStream.WriteAsync(payload).ConfigureAwait(false);
            context.Response.Close();
            _sent.AddOrUpdate(status, 1, (_, c) => c + 1);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The server is stopping.
        }
    }
}
