using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PaymentFunctions.LoadGenerator;

/// <summary>What the command needs from its process: streams, environment, clock, and (for tests) the HTTP handler.</summary>
internal sealed record CliContext(
    TextWriter Out,
    TextWriter Error,
    Func<string, string?> GetEnvironmentVariable,
    bool ErrorIsTerminal,
    TimeProvider Time,
    HttpMessageHandler? Handler = null);

/// <summary>
/// The <c>paymentload</c> command: parses and validates the options, runs the load, prints progress and the summary.
/// Exit codes: 0 done, 2 bad arguments, 3 target unreachable.
/// </summary>
internal static class LoadGeneratorCli
{
    public const string FunctionKeyVariable = "PAYMENTS_FUNCTION_KEY";

    private static readonly Option<string> UrlOption = new("--url", "-u")
    {
        Description = "The payment endpoint, e.g. http://localhost:7071/api/payments (func start) or https://<app>.azurewebsites.net/api/payments.",
        Required = true,
    };

    private static readonly Option<double?> RateOption = new("--rate", "-r")
    {
        Description = "Open model: start this many requests per second, whatever the responses. Excludes --concurrency.",
    };

    private static readonly Option<int?> ConcurrencyOption = new("--concurrency", "-c")
    {
        Description = "Closed model: this many workers, each sending its next request when the previous one ends (default 1). Excludes --rate.",
    };

    private static readonly Option<TimeSpan?> DurationOption = new("--duration", "-d")
    {
        Description = "Stop starting requests after this long: 500ms, 30s, 2m, 1h or seconds. Default 30s unless --requests is given.",
        CustomParser = ParseDuration,
    };

    private static readonly Option<long?> RequestsOption = new("--requests", "-n")
    {
        Description = "Stop after this many requests (with --duration: whichever comes first).",
    };

    private static readonly Option<string?> FunctionKeyOption = new("--function-key", "-k")
    {
        Description = $"Function key, sent as the x-functions-key header; default: the {FunctionKeyVariable} environment variable. Never printed.",
    };

    private static readonly Option<FileInfo?> ScenarioOption = new("--scenario", "-s")
    {
        Description = "JSON scenario file: weights of tiers, methods, currencies and weighted amount ranges. Default: the seed's demo mix.",
    };

    private static readonly Option<int?> SeedOption = new("--seed")
    {
        Description = "Seed of the payment mix: the same seed sends the same sequence of payments.",
    };

    private static readonly Option<TimeSpan> TimeoutOption = new("--timeout", "-t")
    {
        Description = "Per-request timeout, like --duration; a timed-out request counts as a transport error.",
        CustomParser = r => ParseDuration(r) ?? TimeSpan.Zero,
        DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Write the final summary to stdout as JSON instead of text.",
    };

    /// <summary>The command line definition (also what <c>--help</c> prints).</summary>
    public static RootCommand CreateCommand()
    {
        var command = new RootCommand(
            "paymentload: drives POST /api/payments of PaymentFunctions at a fixed rate or concurrency and prints "
            + "throughput, latency percentiles and counts per status code. Exit codes: 0 done, 2 bad arguments, 3 target unreachable.");
        command.Options.Add(UrlOption);
        command.Options.Add(RateOption);
        command.Options.Add(ConcurrencyOption);
        command.Options.Add(DurationOption);
        command.Options.Add(RequestsOption);
        command.Options.Add(FunctionKeyOption);
        command.Options.Add(ScenarioOption);
        command.Options.Add(SeedOption);
        command.Options.Add(TimeoutOption);
        command.Options.Add(JsonOption);
        return command;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var parseResult = CreateCommand().Parse(args);

        // --help and --version have their own actions; the command itself has none: it runs below.
        if (parseResult.Action is not null and not ParseErrorAction)
        {
            return await parseResult.InvokeAsync(
                new InvocationConfiguration { Output = context.Out, Error = context.Error },
                cancellationToken).ConfigureAwait(false);
        }

        var errors = parseResult.Errors.Select(e => e.Message).ToList();
        var options = errors.Count == 0 ? Validate(parseResult, context, errors) : null;
        if (options is null || errors.Count > 0)
        {
            // One line, whatever the number of mistakes: scripts read the first line of stderr.
            await context.Error.WriteLineAsync($"paymentload: {string.Join("; ", errors.Select(e => e.TrimEnd('.')))} (--help for usage)").ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        return await RunLoadAsync(options, parseResult.GetValue(JsonOption), context, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunLoadAsync(LoadOptions options, bool json, CliContext context, CancellationToken cancellationToken)
    {
        using var handler = context.Handler is null ? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) } : null;
        using var client = new HttpClient(context.Handler ?? handler!, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var runner = new LoadRunner(options, client, context.Time);
        var progress = new ProgressReporter(context.Error, context.ErrorIsTerminal);

        var limits = string.Join(
            ", ",
            new[]
            {
                options.Requests is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n} requests") : null,
                options.Duration is { } d ? string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.###} s") : null,
            }.OfType<string>());
        await context.Error.WriteLineAsync(
            $"paymentload: {LoadRunner.RedactedUrl(options.Url)}, {options.Mode}, up to {limits}"
            + (options.FunctionKey is null ? ", no function key" : ", with function key")).ConfigureAwait(false);

        using var progressStop = new CancellationTokenSource();
        var progressTask = progress.RunAsync(() => runner.Statistics.Progress(runner.Elapsed), context.Time, progressStop.Token);
        RunSummary summary;
        try
        {
            summary = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await progressStop.CancelAsync().ConfigureAwait(false);
            await progressTask.ConfigureAwait(false);
        }

        progress.Complete(runner.Statistics.Progress(runner.Elapsed));
        if (json)
        {
            SummaryWriter.WriteJson(summary, context.Out);
        }
        else
        {
            SummaryWriter.WriteText(summary, context.Out);
        }

        await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (summary.Unreachable)
        {
            var kinds = string.Join(", ", summary.TransportErrorKinds.Select(k => $"{k.Key} x{k.Value}"));
            await context.Error.WriteLineAsync($"paymentload: target unreachable: no HTTP response from {summary.Target} ({kinds})").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        return ExitCodes.Ok;
    }

    private static LoadOptions? Validate(ParseResult parse, CliContext context, List<string> errors)
    {
        var urlText = parse.GetValue(UrlOption);
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"--url must be an absolute http or https URL, got '{urlText}'");
        }

        var rate = parse.GetValue(RateOption);
        var concurrency = parse.GetValue(ConcurrencyOption);
        if (rate is not null && concurrency is not null)
        {
            errors.Add("--rate and --concurrency exclude each other: choose the open or the closed model");
        }

        if (rate is { } r && (!double.IsFinite(r) || r <= 0 || r > 100_000))
        {
            errors.Add("--rate must be > 0 and <= 100000 requests per second");
        }

        if (concurrency is < 1 or > 10_000)
        {
            errors.Add("--concurrency must be between 1 and 10000");
        }

        var requests = parse.GetValue(RequestsOption);
        if (requests is < 1)
        {
            errors.Add("--requests must be at least 1");
        }

        var duration = parse.GetValue(DurationOption);
        if (duration is null && requests is null)
        {
            duration = TimeSpan.FromSeconds(30);
        }

        var timeout = parse.GetValue(TimeoutOption);
        var key = parse.GetValue(FunctionKeyOption);
        if (string.IsNullOrEmpty(key))
        {
            key = context.GetEnvironmentVariable(FunctionKeyVariable);
        }

        var scenario = Scenario.Default;
        if (parse.GetValue(ScenarioOption) is { } file)
        {
            try
            {
                scenario = Scenario.Load(file.FullName);
            }
            catch (ScenarioException e)
            {
                errors.Add(e.Message);
            }
        }

        if (errors.Count > 0 || url is null)
        {
            return null;
        }

        return new LoadOptions
        {
            Url = url,
            Rate = rate,
            Concurrency = concurrency ?? 1,
            Duration = duration,
            Requests = requests,
            Timeout = timeout,
            FunctionKey = string.IsNullOrEmpty(key) ? null : key,
            Scenario = scenario,
            Seed = parse.GetValue(SeedOption),
        };
    }

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (DurationParser.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a duration > 0 (like 500ms, 30s, 2m, 1h or seconds) for {(result.Parent as OptionResult)?.Option.Name ?? "the option"}");
        return null;
    }
}
