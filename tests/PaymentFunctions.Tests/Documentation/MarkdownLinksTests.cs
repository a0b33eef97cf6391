namespace PaymentFunctions.Tests.Documentation;

/// <summary>
/// The link checker on small synthetic trees: each broken kind of link is reported as <c>file:line: target (why)</c>,
/// and what GitHub does not render as a link (code) or renders as an anchor (duplicate headings) is not.
/// </summary>
public sealed class MarkdownLinksTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("markdown-links-");

    [Theory]
    [InlineData("Metrics backends: managed (default) or self-hosted", "metrics-backends-managed-default-or-self-hosted")]
    [InlineData("One gateway for 1,000 busy instances, as shipped", "one-gateway-for-1000-busy-instances-as-shipped")]
    [InlineData("The `azd up` path", "the-azd-up-path")]
    [InlineData("Push encoding: protobuf, without gzip", "push-encoding-protobuf-without-gzip")]
    [InlineData("What's in it & why / how.", "whats-in-it--why--how")]
    [InlineData("`MetricPush__Url` and snake_case", "metricpush__url-and-snake_case")]
    [InlineData("Größe über *alles*", "größe-über-alles")]
    [InlineData("See [the fleet](fleet.md) now", "see-the-fleet-now")]
    [InlineData("  Trimmed heading  ", "trimmed-heading")]
    public void A_heading_gets_the_anchor_GitHub_gives_it(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownLinks.Slug(heading));

    [Fact]
    public void Duplicate_headings_get_numbered_anchors_and_closing_hashes_are_not_text()
    {
        Assert.Equal(
            ["usage", "usage-1", "usage-2", "usage-1-1", "closed"],
            MarkdownLinks.Anchors("# Usage\n## Usage\n### Usage\n## Usage 1\n## Closed ##\n"));
    }

    [Fact]
    public void Links_resolving_to_files_directories_and_headings_pass()
    {
        Write("docs/a.md", "# A\n\n## Part two\n\nBack to [the top](#a), [b](b.md#b-heading), [docs](./), [readme](../README.md).\n");
        Write("docs/b.md", "# B heading\n");
        Write("README.md", "[a](docs/a.md#part-two) and ![pic](docs/b.md) and <a href=\"docs/a.md\">a</a> and [root](/docs/b.md)\n");

        Assert.Empty(Check("README.md", "docs/a.md", "docs/b.md"));
    }

    [Fact]
    public void A_link_to_a_missing_file_is_reported_with_its_file_and_line()
    {
        Write("README.md", "# Title\n\nSee [guide](docs/guide.md).\n");

        Assert.Equal(["README.md:3: docs/guide.md (no file or directory docs/guide.md)"], Check("README.md"));
    }

    [Fact]
    public void A_missing_anchor_in_the_same_file_is_reported()
    {
        Write("README.md", "# Title\n\n## Set-up\n\n[up](#set-up) [down](#setup)\n");

        Assert.Equal(["README.md:5: #setup (no heading #setup in this file)"], Check("README.md"));
    }

    [Fact]
    public void An_anchor_into_another_file_must_be_one_of_its_headings()
    {
        Write("README.md", "[ok](docs/scale.md#sharding-several-pushgateways) [gone](docs/scale.md#sharding)\n");
        Write("docs/scale.md", "# Scale\n\n## Sharding: several Pushgateways\n");

        Assert.Equal(["README.md:1: docs/scale.md#sharding (no heading #sharding in docs/scale.md)"], Check("README.md"));
    }

    [Fact]
    public void Links_in_fenced_code_blocks_and_inline_code_are_not_links()
    {
        Write("README.md", """
            # Title

            ```bash
            echo "[x](missing.md)"
            ## Not a heading
            ```

            ~~~~
            [y](missing.md)
            ```
            still code: [z](missing.md)
            ~~~~

            Write `[w](missing.md)` or ``a ` [v](missing.md)`` but [real](gone.md).
            [#](#not-a-heading)
            """);

        Assert.Equal(
            ["README.md:14: gone.md (no file or directory gone.md)", "README.md:15: #not-a-heading (no heading #not-a-heading in this file)"],
            Check("README.md"));
    }

    [Fact]
    public void A_duplicate_heading_is_reached_with_its_numbered_anchor()
    {
        Write("README.md", "# Title\n## Example\n## Example\n\n[first](#example) [second](#example-1) [third](#example-2)\n");

        Assert.Equal(["README.md:5: #example-2 (no heading #example-2 in this file)"], Check("README.md"));
    }

    [Fact]
    public void External_links_are_not_checked_but_other_targets_are()
    {
        Write("README.md", "[a](https://example.com/x.md#y) [b](http://example.com) [c](mailto:a@example.com)\n"
            + "[d](src/code.cs#L2) [e](src/code.cs#L1-L9) [f](src/code.cs#top) [g](docs/#x) [h](../outside.md)\n"
            + "[i]: docs/missing.md\n");
        Write("src/code.cs", "line 1\nline 2\n");
        Write("docs/a.md", "# A\n");

        Assert.Equal(
            [
                "README.md:2: src/code.cs#L1-L9 (#L1-L9 is not a line of src/code.cs)",
                "README.md:2: src/code.cs#top (#top is not a line of src/code.cs)",
                "README.md:2: docs/#x (#x into a directory)",
                "README.md:2: ../outside.md (outside the repository)",
                "README.md:3: docs/missing.md (no file or directory docs/missing.md)",
            ],
            Check("README.md"));
    }

    public void Dispose() => _root.Delete(recursive: true);

    private IReadOnlyList<string> Check(params string[] files) => new MarkdownLinks(_root.FullName).Broken(files);

    private void Write(string file, string text)
    {
        var path = Path.Combine(_root.FullName, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
