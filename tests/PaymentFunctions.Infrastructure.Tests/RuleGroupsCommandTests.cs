using PaymentFunctions.RuleGroups;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>The generator's command line: usage on --help, one line and exit 2 on a bad argument, --check as before.</summary>
public sealed class RuleGroupsCommandTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--check", "--help")]
    public void Help_prints_the_usage_and_exits_0(params string[] args)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(0, code);
        Assert.StartsWith("Usage: ", output, StringComparison.Ordinal);
        Assert.Contains("--check", output, StringComparison.Ordinal);
        Assert.Contains("--root DIR", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "--bogus")]
    [InlineData("unexpected argument 'check'", "check")]
    [InlineData("--root needs a value", "--check", "--root")]
    [InlineData("no PaymentFunctions.sln at or above /", "--root", "/")]
    public void A_bad_argument_is_one_line_on_the_error_stream_and_exit_2(string what, params string[] args)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(2, code);
        Assert.Equal($"rule-groups: {what} (--help for usage)\n", error);
        Assert.Empty(output);
    }

    [Fact]
    public void Check_with_root_compares_the_committed_file_and_writes_nothing()
    {
        var committed = File.GetLastWriteTimeUtc(Path.Combine(Repository.Root, RuleGroupBicep.OutputPath));

        var (code, output, error) = Run("--check", "--root", Path.Combine(Repository.Root, "infra"));

        Assert.Equal(0, code);
        Assert.Equal($"{RuleGroupBicep.OutputPath} is up to date.\n", output);
        Assert.Empty(error);
        Assert.Equal(committed, File.GetLastWriteTimeUtc(Path.Combine(Repository.Root, RuleGroupBicep.OutputPath)));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = RuleGroupsCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
