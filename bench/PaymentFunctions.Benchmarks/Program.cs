using System.Globalization;
using BenchmarkDotNet.Running;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- --filter '*'              all benchmarks, full runs
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- --filter '*' --job Dry    smoke: each once
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- latency [invocations]     p50/p99 under gateway faults
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- series [groups]            what each instance costs Prometheus
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- capacity [groups...]       instances one Pushgateway carries
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- first-count                 a new instance's delay to the dashboard
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "latency")
        {
            return await LatencyUnderFaults.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000);
        }

        if (args.Length > 0 && args[0] == "series")
        {
            return await SeriesChurn.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000);
        }

        if (args.Length > 0 && args[0] == "first-count")
        {
            return await FirstCountDelay.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "capacity")
        {
            CapacitySettings settings;
            try
            {
                settings = CapacitySettings.Parse(args[1..]);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync($"capacity: {e.Message}");
                return 2;
            }

            return await FleetCapacity.RunAsync(settings);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args).ToList();
        var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        if (failed)
        {
            Console.Error.WriteLine("A benchmark failed to run (see above).");
        }

        return failed ? 1 : 0;
    }
}
