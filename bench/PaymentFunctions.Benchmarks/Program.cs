using BenchmarkDotNet.Running;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- --filter '*'              all, full runs
/// dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- --filter '*' --job Dry    smoke: each once
/// </summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
