using System.Globalization;

namespace PaymentFunctions.LoadGenerator;

/// <summary>
/// The live progress line on stderr: rewritten in place (carriage return) on a terminal, one line a second otherwise.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly TextWriter _error;
    private readonly bool _terminal;
    private int _lastLength;

    public ProgressReporter(TextWriter error, bool terminal)
    {
        _error = error;
        _terminal = terminal;
    }

    /// <summary>Writes the line every second until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(Func<ProgressSnapshot> snapshot, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Write(snapshot());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>The last line; on a terminal it ends the rewritten line.</summary>
    public void Complete(ProgressSnapshot snapshot)
    {
        Write(snapshot);
        if (_terminal)
        {
            _error.WriteLine();
        }

        _error.Flush();
    }

    public static string Format(ProgressSnapshot s)
    {
        var seconds = s.Elapsed.TotalSeconds;
        var done = s.Responses + s.TransportErrors;
        var rate = seconds > 0 ? done / seconds : 0;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"[{seconds,6:F1}s] done {done}  2xx {s.Status2xx}  4xx {s.Status4xx}  5xx {s.Status5xx}  errors {s.TransportErrors}  in flight {s.InFlight}  {rate:F1} req/s");
    }

    private void Write(ProgressSnapshot snapshot)
    {
        var line = Format(snapshot);
        lock (_error)
        {
            if (_terminal)
            {
                _error.Write('\r' + line.PadRight(_lastLength));
                _lastLength = line.Length;
            }
            else
            {
                _error.WriteLine(line);
            }

            _error.Flush();
        }
    }
}
