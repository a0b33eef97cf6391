using System.Net.Http.Headers;
using System.Text.Json;

namespace PaymentFunctions.LoadGenerator;

/// <summary>
/// Sends payments until the request count or the duration is reached: at a fixed start rate (open model: request n is
/// due at n / rate seconds, whatever the responses) or with a fixed number of workers (closed model). Stops early
/// when the first requests all fail at transport level (the target is unreachable).
/// </summary>
internal sealed class LoadRunner
{
    public const string FunctionKeyHeader = "x-functions-key";

    private static readonly JsonSerializerOptions BodyOptions = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly LoadOptions _options;
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly PaymentMix _mix;
    private readonly Lock _claimGate = new();
    private long _issued;
    private long _start;

    public LoadRunner(LoadOptions options, HttpClient client, TimeProvider time)
    {
        _options = options;
        _client = client;
        _time = time;
        _mix = new PaymentMix(options.Scenario, options.Seed);
    }

    public RunStatistics Statistics { get; } = new();

    /// <summary>Set when the run stopped because no request reached the target.</summary>
    public bool Unreachable { get; private set; }

    public TimeSpan Elapsed => _start == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_start);

    /// <summary>Runs to the end; cancelling stops starting requests and abandons those in flight.</summary>
    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken)
    {
        _start = _time.GetTimestamp();
        // The duration bounds when requests start; those in flight finish (bounded by the timeout).
        using var deadline = _options.Duration is { } duration ? new CancellationTokenSource(duration, _time) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        if (_options.Rate is { } rate)
        {
            await RunOpenAsync(rate, stop, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var workers = Enumerable.Range(0, _options.Concurrency).Select(_ => WorkerAsync(stop, cancellationToken));
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        var elapsed = Elapsed;
        Unreachable |= Statistics.Responses == 0 && Statistics.TransportErrors > 0;
        return Statistics.Summarise(RedactedUrl(_options.Url), _options.Mode, elapsed, Unreachable);
    }

    /// <summary>The URL as printed: a <c>code</c> query parameter (a function key) is masked.</summary>
    public static string RedactedUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrEmpty(url.Query))
        {
            return url.ToString();
        }

        var parts = url.Query.TrimStart('?').Split('&')
            .Select(p => p.StartsWith("code=", StringComparison.OrdinalIgnoreCase) ? "code=***" : p);
        return new UriBuilder(url) { Query = string.Join('&', parts) }.Uri.ToString();
    }

    private async Task RunOpenAsync(double rate, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        try
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var scheduled = TimeSpan.FromSeconds(n / rate);
                if (_options.Duration is { } duration && scheduled >= duration)
                {
                    break; // Request n is due at n / rate: a run of d seconds at r/s starts exactly d x r requests.
                }

                var due = scheduled - Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _time, stop.Token).ConfigureAwait(false);
                }

                if (!TryClaim(out var body))
                {
                    break;
                }

                inFlight.Add(SendAsync(body, stop, cancellationToken));
                if (inFlight.Count >= 1024)
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The duration is over, the target is unreachable or the run was cancelled.
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task WorkerAsync(CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        while (!stop.IsCancellationRequested && TryClaim(out var body))
        {
            await SendAsync(body, stop, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryClaim(out byte[] body)
    {
        lock (_claimGate)
        {
            if (_options.Requests is { } max && _issued >= max)
            {
                body = [];
                return false;
            }

            body = JsonSerializer.SerializeToUtf8Bytes(_mix.Next(++_issued), BodyOptions);
        }

        Statistics.RequestStarted();
        return true;
    }

    private async Task SendAsync(byte[] body, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = Json;
        if (!string.IsNullOrEmpty(_options.FunctionKey))
        {
            request.Headers.TryAddWithoutValidation(FunctionKeyHeader, _options.FunctionKey);
        }

        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, linked.Token).ConfigureAwait(false);
            Statistics.RecordResponse((int)response.StatusCode, _time.GetElapsedTime(started));
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Statistics.RequestAbandoned();
            return;
        }
        catch (OperationCanceledException)
        {
            Statistics.RecordTransportError("Timeout");
        }
        catch (HttpRequestException e)
        {
            Statistics.RecordTransportError(e.HttpRequestError.ToString());
        }

        if (Statistics.Responses == 0 && Statistics.TransportErrors >= _options.UnreachableAfter)
        {
            Unreachable = true;
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
