using PaymentFunctions.RuleGroups;

// Writes infra/app/monitor-rules.generated.bicep from deploy/prometheus/rules/*.yml.
// `--check`: writes nothing, exits 1 when the committed file is out of date.
var root = FindRoot(args.SkipWhile(a => a != "--root").Skip(1).FirstOrDefault() ?? Environment.CurrentDirectory);
var output = Path.Combine(root, RuleGroupBicep.OutputPath);
var generated = RuleGroupBicep.Generate(Path.Combine(root, RuleGroupBicep.RulesDirectory));
if (args.Contains("--check"))
{
    var current = File.Exists(output) ? File.ReadAllText(output) : "";
    if (current != generated)
    {
        Console.Error.WriteLine($"{RuleGroupBicep.OutputPath} is out of date: run `{RuleGroupBicep.Command}`.");
        return 1;
    }

    Console.WriteLine($"{RuleGroupBicep.OutputPath} is up to date.");
    return 0;
}

File.WriteAllText(output, generated);
Console.WriteLine($"Wrote {RuleGroupBicep.OutputPath} from {RuleGroupBicep.RulesDirectory}/*.yml.");
return 0;

static string FindRoot(string start)
{
    for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "PaymentFunctions.sln")))
        {
            return directory.FullName;
        }
    }

    throw new DirectoryNotFoundException($"No PaymentFunctions.sln at or above {start}.");
}
