namespace PaymentFunctions.Tests.Documentation;

/// <summary>
/// The set-up command check on synthetic READMEs in a temporary tree: a command that is missing, not executable or
/// not on the search path is reported, as is a block that does not hold exactly the two commands.
/// </summary>
public sealed class SetupCommandsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("setup-commands-");
    private readonly DirectoryInfo _bin = Directory.CreateTempSubdirectory("setup-commands-bin-");

    public SetupCommandsTests()
    {
        Script(_root.FullName, "scripts/demo.sh", executable: true);
        Script(_root.FullName, "scripts/test.sh", executable: true);
        Script(_root.FullName, "scripts/plain.sh", executable: false);
        Script(_bin.FullName, "tool", executable: true);
        Script(_bin.FullName, "not-a-tool", executable: false);
    }

    [Fact]
    public void Executable_scripts_and_commands_on_the_path_pass_and_are_returned_in_order()
    {
        var (commands, problems) = Check(Readme("scripts/demo.sh     # the main job", "", "# a comment line", "LOG=1 A='x y' tool --all  # from PATH"));

        Assert.Empty(problems);
        Assert.Equal(["scripts/demo.sh", "tool"], commands.Select(c => c.Program));
    }

    [Fact]
    public void A_missing_set_up_command_is_reported()
    {
        var (_, problems) = Check(Readme("scripts/demo.sh  # demo", "scripts/tests.sh  # typo"));

        Assert.Equal(["scripts/tests.sh  # typo (no such file in the repository)"], problems);
    }

    [Fact]
    public void A_set_up_command_without_the_execute_bit_is_reported()
    {
        var (_, problems) = Check(Readme("scripts/demo.sh", "scripts/plain.sh"));

        Assert.Equal(["scripts/plain.sh (not executable)"], problems);
    }

    [Fact]
    public void A_command_not_on_the_path_or_not_executable_there_is_reported()
    {
        var (_, problems) = Check(Readme("no-such-tool run", "not-a-tool"));

        Assert.Equal(
            ["no-such-tool run (not a file in the repository nor an executable on PATH)", "not-a-tool (not a file in the repository nor an executable on PATH)"],
            problems);
    }

    [Fact]
    public void The_block_must_hold_exactly_two_commands()
    {
        Assert.Equal(["the set-up block holds 1 commands, not 2"], Check(Readme("scripts/demo.sh")).Problems);
        Assert.Equal(["the set-up block holds 3 commands, not 2"], Check(Readme("scripts/demo.sh", "scripts/test.sh", "tool")).Problems);
    }

    [Fact]
    public void Only_the_first_block_of_the_set_up_section_counts()
    {
        var readme = "# App\n\n```bash\n## Set-up\nnothing\n```\n\n## Set-up\n\n```bash\nscripts/demo.sh\nscripts/test.sh\n```\n\n```\nmore\n```\n";

        var (commands, problems) = Check(readme);

        Assert.Empty(problems);
        Assert.Equal(["scripts/demo.sh", "scripts/test.sh"], commands.Select(c => c.Program));
    }

    [Fact]
    public void A_readme_without_a_set_up_block_is_reported()
    {
        Assert.Equal(["no fenced code block in a '## Set-up' section"], Check("# App\n\n## Set-up\n\nRun the scripts.\n\n## Next\n\n```\nscripts/demo.sh\n```\n").Problems);
    }

    [Theory]
    [InlineData("bash scripts/test.sh", true)]
    [InlineData("  exec ./scripts/test.sh --filter x", true)]
    [InlineData("CI=1 scripts/test.sh", true)]
    [InlineData("# bash scripts/test.sh", false)]
    [InlineData("bash scripts/test.sh.bak", false)]
    [InlineData("echo scripts/test.sh", false)]
    public void A_script_calls_the_test_command_only_on_a_line_that_runs_it(string line, bool calls) =>
        Assert.Equal(calls, SetupCommands.Calls($"#!/usr/bin/env bash\nset -e\n{line}\n", "scripts/test.sh"));

    public void Dispose()
    {
        _root.Delete(recursive: true);
        _bin.Delete(recursive: true);
    }

    private static string Readme(params string[] lines) =>
        "# App\n\n## Set-up\n\nFrom the root:\n\n```bash\n" + string.Join('\n', lines) + "\n```\n\n## Next\n";

    private static void Script(string directory, string name, bool executable)
    {
        var path = Path.Combine(directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/usr/bin/env bash\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | (executable ? UnixFileMode.UserExecute : UnixFileMode.None));
        }
    }

    private (IReadOnlyList<SetupCommands.Command> Commands, IReadOnlyList<string> Problems) Check(string readme) =>
        new SetupCommands(_root.FullName, [_bin.FullName]).Check(readme);
}
