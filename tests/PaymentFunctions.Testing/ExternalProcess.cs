using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PaymentFunctions.Testing;

/// <summary>
/// A real server process started by a test on a loopback port, always killed on dispose, and killed by a watchdog when
/// the test host dies without disposing it (killed, crashed, hang-timeout): it never outlives the tests holding its port.
/// </summary>
public class ExternalProcess : IAsyncDisposable
{
    /// <summary>
    /// The watchdog: a shell that polls the test host and the process every half second, and kills the process and its
    /// children (SIGKILL; a process may be a script that runs the server) as soon as the test host is gone; it exits by
    /// itself when the process exits. .NET cannot ask Linux to signal a child when its parent dies
    /// (<c>prctl(PR_SET_PDEATHSIG)</c>), so a separate watcher does it.
    /// </summary>
    private const string WatchdogScript =
        """while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done; pkill -KILL -P "$2" 2>/dev/null; kill -KILL "$2" 2>/dev/null; exit 0""";

    private readonly Process _process;
    private readonly Process _watchdog;
    private readonly StringBuilder _output = new();

    protected ExternalProcess(string executable, IEnumerable<string> arguments)
        : this(executable, arguments, Environment.ProcessId)
    {
    }

    /// <param name="watchedParent">The process whose death kills this one (the test host; another in the watchdog's own test).</param>
    protected ExternalProcess(string executable, IEnumerable<string> arguments, int watchedParent)
        : this(executable, arguments, watchedParent, null, null)
    {
    }

    /// <summary>With environment variables (null removes one) and a working directory.</summary>
    protected ExternalProcess(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
        : this(executable, arguments, Environment.ProcessId, environment, workingDirectory)
    {
    }

    private ExternalProcess(string executable, IEnumerable<string> arguments, int watchedParent, IReadOnlyDictionary<string, string?>? environment, string? workingDirectory)
    {
        var start = new ProcessStartInfo(FindExecutable(executable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _watchdog = Process.Start(new ProcessStartInfo("bash",
            ["-c", WatchdogScript, "test-process-watchdog", watchedParent.ToString(CultureInfo.InvariantCulture), _process.Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
    }

    /// <summary>The process id (for tests of the fixture itself).</summary>
    public int ProcessId => _process.Id;

    /// <summary>What the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The full path of an executable (see <see cref="Tools.Find"/>); fails with the install hint.</summary>
    public static string FindExecutable(string name) => Tools.Find(name);

    /// <summary>Polls a URL until it answers 2xx, the process exits, or the deadline passes (with <paramref name="client"/> when given, e.g. for TLS).</summary>
    protected async Task WaitUntilReadyAsync(Uri readyUrl, TimeSpan deadline, Func<HttpClient>? client = null)
    {
        using var http = client?.Invoke() ?? new HttpClient();
        http.Timeout = TimeSpan.FromSeconds(2);
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < deadline)
        {
            if (_process.HasExited)
            {
                // The port was free when probed and taken before the process bound it: the caller may retry on another.
                if (Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    throw new PortTakenException($"{_process.StartInfo.FileName} could not bind its port (taken since it was probed):\n{Output}");
                }

                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(readyUrl);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{readyUrl} was not ready within {deadline}:\n{Output}");
    }

    /// <summary>
    /// Runs <paramref name="start"/> on a port free a moment ago; when another process took that port before the started
    /// one bound it (<see cref="PortTakenException"/>), tries again on a new port, up to <paramref name="attempts"/> times.
    /// </summary>
    public static async Task<T> OnFreePortAsync<T>(Func<int, Task<T>> start, int attempts = 5)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(FreePort());
            }
            catch (PortTakenException) when (attempt < attempts)
            {
                // Probed free, taken meanwhile: another port.
            }
        }
    }

    /// <summary>Kills the process and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        if (!_watchdog.HasExited)
        {
            _watchdog.Kill();
            await _watchdog.WaitForExitAsync();
        }
    }

    /// <summary>Asks the process to stop with SIGTERM (a Pushgateway writes its persistence file then) and waits for it.</summary>
    public async Task StopGracefullyAsync(TimeSpan deadline)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        _watchdog.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

/// <summary>A started process could not bind the port it was given: another process took it after it was probed free.</summary>
public sealed class PortTakenException(string message) : Exception(message);
