using System.Net;
using System.Net.Sockets;

namespace PaymentFunctions.Testing;

/// <summary>
/// A TCP relay on a free 127.0.0.1 port in front of a real server, standing for the network between the app and its
/// Pushgateway: it forwards every byte both ways until <see cref="Blackhole"/>, from when it swallows what clients send
/// and answers nothing (a partition: requests time out, as through a dead route), until <see cref="Restore"/>, which
/// drops the swallowed connections so clients connect again. Stopped on dispose.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private volatile bool _blackholed;

    public TcpRelay(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        Url = new Uri($"{target.Scheme}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>The URL to give the clients instead of the server's.</summary>
    public Uri Url { get; }

    /// <summary>From now on nothing passes: every connection, open or new, swallows what it is sent and answers nothing.</summary>
    public void Blackhole() => _blackholed = true;

    /// <summary>Traffic passes again; the connections opened while blackholed are closed, so their clients reconnect.</summary>
    public void Restore()
    {
        _blackholed = false;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose(); // closes it if the relay has not already
            }

            _connections.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(client);
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            if (!_blackholed)
            {
                await server.ConnectAsync(_target, _stop.Token);
            }

            var fromClient = client.GetStream();
            var toServer = server.Connected ? server.GetStream() : null;
            var upstream = PumpAsync(fromClient, toServer);
            var downstream = toServer is null ? Task.CompletedTask : PumpAsync(toServer, fromClient);
            await Task.WhenAny(upstream, downstream);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A side closed, the relay restored or stopped: the connection ends.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Copies until the source ends; while blackholed (or with nowhere to send), reads and drops instead.</summary>
    private async Task PumpAsync(NetworkStream source, NetworkStream? destination)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await source.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (!_blackholed && destination is not null)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
    }

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

        await _accepting;
        _stop.Dispose();
    }
}
