namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// The checks bite: each mutation breaks one property of a copy of infra/, and the check on the compiled ARM
/// JSON (compiled with the linter off) must report it. Where a linter rule covers the break too, the lint of
/// the copy must fail as well.
/// </summary>
public sealed class MutationTests(MutatedInfrastructure mutated) : IClassFixture<MutatedInfrastructure>
{
    public static TheoryData<string, string> Mutations
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var mutation in MutatedInfrastructure.All)
            {
                data.Add(mutation.Id, mutation.ExpectedRule);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Mutations))]
    public void A_broken_property_is_reported_by_the_checks(string id, string rule)
    {
        var result = mutated[id];

        Assert.Null(result.Problem);
        Assert.Contains(result.Findings, f => f.Rule == rule);
    }

    [Theory]
    [InlineData("listkeys-output", "outputs-should-not-contain-secrets")]
    [InlineData("secure-output", "outputs-should-not-contain-secrets")]
    [InlineData("password-not-secure", "secure-secrets-in-params")]
    [InlineData("agent-password-output", "outputs-should-not-contain-secrets")]
    [InlineData("webhook-output", "outputs-should-not-contain-secrets")]
    public void A_broken_property_also_fails_the_lint(string id, string linterRule)
    {
        var result = mutated[id];

        Assert.NotEqual(0, mutated.Lint.ExitCode);
        Assert.Contains(result.LintDiagnostics, d => d.Contains($"Error {linterRule}:", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_unbroken_rule_still_passes_in_each_copy()
    {
        // A mutation must trip its own rule, not break the template wholesale.
        foreach (var mutation in MutatedInfrastructure.All)
        {
            var unexpected = mutated[mutation.Id].Findings.Where(f => f.Rule != mutation.ExpectedRule && f.Rule != mutation.AlsoReportedBy).ToList();
            Assert.True(unexpected.Count == 0, $"{mutation.Id}: {string.Join('\n', unexpected)}");
        }
    }
}
