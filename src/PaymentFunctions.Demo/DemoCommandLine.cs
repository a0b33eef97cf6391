using System.Globalization;

namespace PaymentFunctions.Demo;

/// <summary>
/// The demo's command line, as scripts/demo.sh calls it: no arguments (the five payments), <c>--fleet</c>, or
/// <c>--render-prometheus-config SOURCE TARGETS SECONDS OUTPUT</c>. Settings come from the environment
/// (<c>MetricPush__Url</c>, <c>Demo__PauseMilliseconds</c>, <c>PUSHGATEWAY_URL</c>, ...), never from arguments, so any
/// other argument is a mistake: one line on the error stream and exit 2.
/// </summary>
internal static class DemoCommandLine
{
    public const string Name = "demo";

    public const string Usage = """
        Usage: dotnet run --project src/PaymentFunctions.Demo -c Release -- [--fleet | --render-prometheus-config SOURCE TARGETS SECONDS OUTPUT]
        The main job's program; scripts/demo.sh runs it with the Pushgateway and Prometheus it needs (scripts/demo.sh --help).

          (no arguments)   the seed's five demo payments through the app's payment service, metrics and pusher, then what the
                           Pushgateway at MetricPush__Url holds for them (Demo__PauseMilliseconds between payments, default 200)
          --fleet          a fleet of short-lived instances pushing to PUSHGATEWAY_URL (comma-separated shards), and what
                           Prometheus at PROMETHEUS_URL answers for it beside the true values
          --render-prometheus-config SOURCE TARGETS SECONDS OUTPUT
                           writes SOURCE (the repository's prometheus.yml) to OUTPUT for a Prometheus scraping TARGETS
                           (host:port, comma-separated) every SECONDS
          -h, --help       this text
        """;

    /// <summary>The exit code when the arguments ask for help or are wrong (after printing what is due); null to run.</summary>
    public static int? Answer(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            output.WriteLine(Usage);
            return 0;
        }

        var mistake = args switch
        {
            [] or ["--fleet"] => null,
            ["--render-prometheus-config", _, _, var seconds, _] when RenderSeconds(seconds) is null =>
                $"--render-prometheus-config: SECONDS '{seconds}': expected a positive number",
            ["--render-prometheus-config", _, _, _, _] => null,
            ["--render-prometheus-config", ..] => "--render-prometheus-config needs SOURCE TARGETS SECONDS OUTPUT",
            ["--fleet", var extra, ..] => $"unexpected argument '{extra}'",
            [var first, ..] => first.StartsWith('-') ? $"unknown option '{first}'" : $"unexpected argument '{first}'",
        };
        if (mistake is null)
        {
            return null;
        }

        error.WriteLine($"{Name}: {mistake} (--help for usage)");
        return 2;
    }

    /// <summary>The scrape interval of <c>--render-prometheus-config</c>: seconds, finite and above 0; null otherwise.</summary>
    public static TimeSpan? RenderSeconds(string seconds) =>
        double.TryParse(seconds, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : null;
}
