using System.Text.RegularExpressions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>The receivers docs/alerting.md offers instead of the shipped one are valid for the shipped Alertmanager.</summary>
public sealed partial class AlertingDocsTests
{
    [Fact]
    public async Task Every_receiver_block_of_the_alerting_page_in_the_shipped_alertmanager_yml_passes_amtool()
    {
        var shipped = await File.ReadAllTextAsync(Repository.PathOf("deploy/alertmanager/alertmanager.yml"));
        var urlFile = Testing.AlertmanagerConfiguration.WebhookUrlFile(shipped);
        var blocks = ReceiverBlock().Matches(await File.ReadAllTextAsync(Repository.PathOf("docs/alerting.md"))).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, blocks.Count); // Slack-compatible and Teams

        var directory = Directory.CreateTempSubdirectory("alerting-docs-").FullName;
        try
        {
            foreach (var block in blocks)
            {
                // The same file the container writes the URL to: only the receiver's kind changes.
                Assert.Contains($"_file: {urlFile}\n", block, StringComparison.Ordinal);
                var start = shipped.IndexOf("\nreceivers:\n", StringComparison.Ordinal) + 1;
                var end = shipped.IndexOf("\ninhibit_rules:\n", StringComparison.Ordinal) + 1;
                Assert.True(start > 0 && end > start, "alertmanager.yml has a receivers block before its inhibit_rules");
                var path = Path.Combine(directory, $"alertmanager-{Guid.NewGuid():N}.yml");
                await File.WriteAllTextAsync(path, shipped[..start] + block + "\n" + shipped[end..]);

                var (exitCode, output) = await Repository.RunAsync("amtool", ["check-config", path]);

                Assert.True(exitCode == 0, $"amtool refused the receiver\n{block}\n{output}");
                Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex("```yaml\n(receivers:\n.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReceiverBlock();
}
