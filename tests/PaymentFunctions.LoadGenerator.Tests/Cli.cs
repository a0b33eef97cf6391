namespace PaymentFunctions.LoadGenerator.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs <c>paymentload</c> in-process with captured output and a given environment.</summary>
internal static class Cli
{
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(
            output,
            error,
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            ErrorIsTerminal: false,
            TimeProvider.System);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var exit = await LoadGeneratorCli.RunAsync(args, context, timeout.Token);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(null, args);
}
