using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PaymentFunctions.Testing;

/// <summary>How a <see cref="FaultyListener"/> treats a request.</summary>
public enum Fault
{
    /// <summary>Accepts the connection, reads the request and never answers.</summary>
    Blackhole,

    /// <summary>Answers 200 after <see cref="FaultyListener"/>'s delay.</summary>
    Slow,

    /// <summary>Answers at once with the configured (5xx) status.</summary>
    Status,
}

/// <summary>
/// A misbehaving "Pushgateway" on a free 127.0.0.1 port: blackholed, slow or answering an error status.
/// Connections are closed and the listener stopped on dispose.
/// </summary>
public sealed class FaultyListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private readonly Fault _fault;
    private readonly TimeSpan _delay;
    private readonly int _status;
    private int _requests;
    private int _inFlight;
    private int _maxInFlight;

    private FaultyListener(Fault fault, TimeSpan delay, int status)
    {
        _fault = fault;
        _delay = delay;
        _status = status;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>Requests read completely so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The most requests that were ever waiting for their answer at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static FaultyListener Blackhole() => new(Fault.Blackhole, TimeSpan.Zero, 0);

    public static FaultyListener Slow(TimeSpan delay) => new(Fault.Slow, delay, 200);

    public static FaultyListener Failing(int status) => new(Fault.Status, TimeSpan.Zero, status);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(client);
            }

            _ = Task.Run(() => ServeAsync(client, _stop.Token));
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        try
        {
            var stream = client.GetStream();
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!await ReadRequestAsync(stream, cancellationToken))
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                var inFlight = Interlocked.Increment(ref _inFlight);
                int max;
                while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
                {
                }

                try
                {
                    switch (_fault)
                    {
                        case Fault.Blackhole:
                            await Task.Delay(Timeout.Infinite, cancellationToken);
                            break;
                        case Fault.Slow:
                            await Task.Delay(_delay, cancellationToken);
                            await AnswerAsync(stream, 200, cancellationToken);
                            break;
                        default:
                            await AnswerAsync(stream, _status, cancellationToken);
                            break;
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client gave up or the listener stopped.
        }
    }

    private static async Task AnswerAsync(Stream stream, int status, CancellationToken cancellationToken)
    {
        var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Fault\r\nContent-Length: 0\r\n\r\n");
        await stream.WriteAsync(response, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one request (headers, then Content-Length bytes of body); false when the connection closed.</summary>
    private static async Task<bool> ReadRequestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return false;
            }

            head.Add(one[0]);
        }

        var headers = Encoding.ASCII.GetString([.. head]);
        var length = headers.Split("\r\n")
            .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = new byte[Math.Max(length, 0)];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return true;
    }
}
