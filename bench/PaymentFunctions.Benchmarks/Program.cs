using BenchmarkDotNet.ConsoleArguments;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// The benchmark program: a measured run when the first argument names a mode (<see cref="Modes"/>), BenchmarkDotNet
/// otherwise (<c>--filter '*'</c>, <c>--job Dry</c>, <c>--list flat</c>, ... pass through to it unchanged).
/// <c>--help</c> prints <see cref="Usage"/>; a first argument that is neither an option nor a mode exits 2.
/// </summary>
public static class BenchmarkProgram
{
    internal static IReadOnlyList<BenchMode> Modes { get; } =
    [
        LatencyUnderFaults.Mode,
        SeriesChurn.Mode,
        CapacitySettings.Mode,
        FirstCountDelay.Mode,
    ];

    internal static string Usage => $"""
        Usage: {BenchMode.Command} MODE [ARGS...]
               {BenchMode.Command} [BENCHMARKDOTNET OPTIONS]

        Modes (each answers --help):
        {string.Join(Environment.NewLine, Modes.Select(m => $"  {m.Name + " " + m.Synopsis,-31} {m.Summary}"))}

        Without a mode the arguments go to BenchmarkDotNet unchanged (--filter, --job, --list, --inProcess, --artifacts, ...):
          --filter '*'                    every benchmark, full runs
          --filter '*' --job Dry          every benchmark once (the smoke form)
          --list flat                     the benchmarks' names
          --filter '*' --help             BenchmarkDotNet's own options
          -h, --help                      this text
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help" or "-h", ..])
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (args is [var name, ..] && !name.StartsWith('-'))
        {
            if (Modes.FirstOrDefault(m => m.Name == name) is not { } mode)
            {
                await Console.Error.WriteLineAsync(
                    $"benchmarks: unknown mode '{name}', expected {string.Join(", ", Modes.Select(m => m.Name))} or BenchmarkDotNet options (--help for usage)");
                return 2;
            }

            return await mode.RunAsync(args[1..]);
        }

        // BenchmarkDotNet answers an option it does not know with its whole help text and exit 0: check first, so a bad
        // option is one line and exit 2 like every mode's. Its own --help and --version pass through.
        if (!args.Any(a => a is "--help" or "--version"))
        {
            var check = new AccumulationLogger();
            if (!ConfigParser.Parse(args, check).isSuccess)
            {
                var reason = check.GetLog().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .FirstOrDefault(l => l.Contains("unknown", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Option", StringComparison.Ordinal))
                    ?? "BenchmarkDotNet refused the options";
                await Console.Error.WriteLineAsync($"benchmarks: {reason.TrimEnd('.')} (--help for usage)");
                return 2;
            }
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args).ToList();
        if (summaries.Count == 0 && args.Contains("--filter") && !args.Contains("--list"))
        {
            // BenchmarkDotNet reports a filter that matches nothing as a success with nothing run.
            await Console.Error.WriteLineAsync("benchmarks: --filter matched no benchmark (--list flat names them)");
            return 2;
        }

        var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        if (failed)
        {
            Console.Error.WriteLine("A benchmark failed to run (see above).");
        }

        return failed ? 1 : 0;
    }
}
