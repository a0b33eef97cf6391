namespace PaymentFunctions.RuleGroups;

/// <summary>
/// The generator's command line, <c>[--check] [--root DIR]</c>: writes <see cref="RuleGroupBicep.OutputPath"/> from
/// <see cref="RuleGroupBicep.RulesDirectory"/>, or with <c>--check</c> writes nothing and exits 1 when the committed file
/// is out of date. Exit codes: 0 done, 1 out of date, 2 a bad argument (one line on the error stream).
/// </summary>
internal static class RuleGroupsCommand
{
    public const string Name = "rule-groups";

    public const string Usage = $"""
        Usage: {RuleGroupBicep.Command} -- [--check] [--root DIR]
        Writes {RuleGroupBicep.OutputPath} (Azure Monitor prometheusRuleGroups) from {RuleGroupBicep.RulesDirectory}/*.yml,
        so the rules are written once and both Prometheus and Azure Monitor evaluate the same ones.

          --check      write nothing; exit 1 when the committed file differs from what the rules generate
          --root DIR   the repository: DIR or the nearest directory above it with PaymentFunctions.sln (default: the current directory)
          -h, --help   this text
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var check = false;
        var start = Environment.CurrentDirectory;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                case "--check":
                    check = true;
                    break;
                case "--root" when i + 1 < args.Count:
                    start = args[++i];
                    break;
                case "--root":
                    return Mistake(error, "--root needs a value");
                case var other:
                    return Mistake(error, other.StartsWith('-') ? $"unknown option '{other}'" : $"unexpected argument '{other}'");
            }
        }

        if (FindRoot(start) is not { } root)
        {
            return Mistake(error, $"no PaymentFunctions.sln at or above {start}");
        }

        var outputPath = Path.Combine(root, RuleGroupBicep.OutputPath);
        var generated = RuleGroupBicep.Generate(Path.Combine(root, RuleGroupBicep.RulesDirectory));
        if (check)
        {
            var current = File.Exists(outputPath) ? File.ReadAllText(outputPath) : string.Empty;
            if (current != generated)
            {
                error.WriteLine($"{RuleGroupBicep.OutputPath} is out of date: run `{RuleGroupBicep.Command}`.");
                return 1;
            }

            output.WriteLine($"{RuleGroupBicep.OutputPath} is up to date.");
            return 0;
        }

        File.WriteAllText(outputPath, generated);
        output.WriteLine($"Wrote {RuleGroupBicep.OutputPath} from {RuleGroupBicep.RulesDirectory}/*.yml.");
        return 0;
    }

    private static int Mistake(TextWriter error, string what)
    {
        error.WriteLine($"{Name}: {what} (--help for usage)");
        return 2;
    }

    private static string? FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PaymentFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
