namespace PaymentFunctions.Benchmarks;

/// <summary>
/// One measured run of the benchmark program (<c>latency</c>, <c>series</c>, <c>capacity</c>, <c>first-count</c>):
/// <c>--help</c> or <c>-h</c> prints <see cref="Usage"/> and exits 0; <paramref name="Parse"/> turns the arguments into
/// the run, or throws an <see cref="ArgumentException"/> whose message becomes the one line on stderr, exit 2. The run
/// starts only after the arguments parsed, so a failure inside it is never mistaken for a usage mistake.
/// </summary>
/// <param name="Name">The mode's first argument.</param>
/// <param name="Synopsis">Its arguments, as the usage line shows them.</param>
/// <param name="Summary">What it measures, one line (also in the program's own usage).</param>
/// <param name="Details">Its arguments and options, one a line, with their defaults.</param>
/// <param name="Parse">The arguments after the mode's name to the run.</param>
internal sealed record BenchMode(string Name, string Synopsis, string Summary, string Details, Func<IReadOnlyList<string>, Func<Task<int>>> Parse)
{
    public const string Command = "dotnet run -c Release --project bench/PaymentFunctions.Benchmarks --";

    /// <summary>A mode whose arguments <paramref name="parse"/> into <typeparamref name="T"/>, which <paramref name="run"/> takes.</summary>
    public static BenchMode Of<T>(string name, string synopsis, string summary, string details, Func<IReadOnlyList<string>, T> parse, Func<T, Task<int>> run) =>
        new(name, synopsis, summary, details, args =>
        {
            var parsed = parse(args);
            return () => run(parsed);
        });

    public string Usage => $"""
        Usage: {Command} {Name} {Synopsis}
        {char.ToUpperInvariant(Summary[0])}{Summary[1..]}.

        {Details}
          -h, --help       this text
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        Func<Task<int>> run;
        try
        {
            run = Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{Name}: {e.Message} (--help for usage)");
            return 2;
        }

        return await run();
    }
}
