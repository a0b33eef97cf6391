namespace PaymentFunctions.Tests.Documentation;

/// <summary>
/// The repository's own README.md and docs/*.md: every relative link reaches its file and heading, and the README's
/// set-up commands exist, are executable, and the second (the tests) is what CI (<c>.ci/run</c>) runs.
/// </summary>
public sealed class RepositoryDocumentationTests
{
    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_reaches_its_file_and_heading()
    {
        List<string> files = ["README.md", .. Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md")
            .Select(path => Path.GetRelativePath(RepoPaths.Root, path)).Order(StringComparer.Ordinal)];

        var broken = new MarkdownLinks(RepoPaths.Root).Broken(files);

        Assert.True(broken.Count == 0, $"{broken.Count} broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_readme_set_up_commands_are_two_executable_commands()
    {
        var (commands, problems) = ReadmeSetup();

        Assert.True(problems.Count == 0, "README.md '## Set-up':\n" + string.Join('\n', problems));
        Assert.Equal(SetupCommands.Expected, commands.Count);
    }

    [Fact]
    public void Ci_runs_the_readme_test_command()
    {
        var (commands, _) = ReadmeSetup();
        Assert.True(commands.Count >= 2, "README.md '## Set-up' has no second (test) command.");

        var test = commands[1].Program;
        Assert.True(
            SetupCommands.Calls(File.ReadAllText(Path.Combine(RepoPaths.Root, ".ci", "run")), test),
            $".ci/run does not run the README's test command {test}.");
    }

    private static (IReadOnlyList<SetupCommands.Command> Commands, IReadOnlyList<string> Problems) ReadmeSetup() =>
        new SetupCommands(RepoPaths.Root, (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            .Check(File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")));
}
