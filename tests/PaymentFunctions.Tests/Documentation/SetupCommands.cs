using System.Text.RegularExpressions;

namespace PaymentFunctions.Tests.Documentation;

/// <summary>
/// The commands of a README's <c>## Set-up</c> section: the non-empty, non-comment lines of its first fenced code
/// block. Each command (the first word after any leading <c>VAR=value</c>) must be a file under the root with the Unix
/// execute bit, or an executable on the search path; the block must hold exactly <see cref="Expected"/> commands.
/// </summary>
internal sealed partial class SetupCommands(string root, IReadOnlyList<string> searchPath)
{
    /// <summary>How many commands the block holds: the main job and the tests.</summary>
    public const int Expected = 2;

    /// <summary>The commands of the block, each its program (first word) and whole line.</summary>
    public sealed record Command(string Program, string Line);

    /// <summary>The commands of <paramref name="readme"/>'s set-up block, and every problem with them.</summary>
    public (IReadOnlyList<Command> Commands, IReadOnlyList<string> Problems) Check(string readme)
    {
        var problems = new List<string>();
        if (Block(readme) is not { } block)
        {
            return ([], ["no fenced code block in a '## Set-up' section"]);
        }

        var commands = block.Select(Parse).OfType<Command>().ToList();
        foreach (var command in commands)
        {
            if (Problem(command.Program) is { } why)
            {
                problems.Add($"{command.Line} ({why})");
            }
        }

        if (commands.Count != Expected)
        {
            problems.Add($"the set-up block holds {commands.Count} commands, not {Expected}");
        }

        return (commands, problems);
    }

    /// <summary>Whether a line of <paramref name="script"/> runs <paramref name="program"/> (as it is, or through bash, sh or exec).</summary>
    public static bool Calls(string script, string program) =>
        script.ReplaceLineEndings("\n").Split('\n').Select(Parse).OfType<Command>().Any(command =>
        {
            var words = Words(command.Line).SkipWhile(w => Assignment().IsMatch(w)).SkipWhile(w => w is "bash" or "sh" or "exec").ToList();
            return words.Count > 0 && Normalise(words[0]) == Normalise(program);
        });

    /// <summary>The lines of the first fenced block after the <c>## Set-up</c> heading and before the next heading of level 1 or 2.</summary>
    private static List<string>? Block(string readme)
    {
        var inSection = false;
        List<string>? fenced = null;
        foreach (var line in readme.ReplaceLineEndings("\n").Split('\n'))
        {
            if (fenced is not null)
            {
                if (Fence().IsMatch(line))
                {
                    if (inSection)
                    {
                        return fenced;
                    }

                    fenced = null;
                    continue;
                }

                fenced.Add(line);
            }
            else if (Fence().IsMatch(line))
            {
                fenced = [];
            }
            else if (SectionHeading().Match(line) is { Success: true } heading)
            {
                inSection = heading.Groups["text"].Value == "Set-up";
            }
        }

        return null;
    }

    private static Command? Parse(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#'))
        {
            return null;
        }

        var program = Words(trimmed).SkipWhile(w => Assignment().IsMatch(w)).FirstOrDefault();
        return program is null ? null : new Command(program, trimmed);
    }

    private string? Problem(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(Path.Combine(root, program));
            if (!File.Exists(path))
            {
                return "no such file in the repository";
            }

            return Executable(path) ? null : "not executable";
        }

        return searchPath.Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, program)) && Executable(Path.Combine(dir, program)))
            ? null
            : "not a file in the repository nor an executable on PATH";
    }

    private static bool Executable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static string Normalise(string program) => program.StartsWith("./", StringComparison.Ordinal) ? program[2..] : program;

    /// <summary>The words of a shell line up to a comment; quotes group words (an assignment's value may hold spaces).</summary>
    private static IEnumerable<string> Words(string line) =>
        Word().Matches(line).Select(m => m.Value).TakeWhile(w => !w.StartsWith('#'));

    [GeneratedRegex(@"(?:[^\s""']|""[^""]*""|'[^']*')+")]
    private static partial Regex Word();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^ {0,3}(`{3,}|~{3,})")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}#{1,2}[ \t]+(?<text>.*?)[ \t#]*$")]
    private static partial Regex SectionHeading();
}
