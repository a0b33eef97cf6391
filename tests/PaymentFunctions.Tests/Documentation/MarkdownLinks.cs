using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PaymentFunctions.Tests.Documentation;

/// <summary>
/// The relative links of markdown files under one root, checked as GitHub renders them: inline links and images
/// (<c>[text](target)</c>), reference definitions (<c>[name]: target</c>) and <c>&lt;a href&gt;</c>, outside fenced
/// code blocks and inline code. A link resolves when its file or directory exists relative to the markdown file
/// (a leading <c>/</c> is the root) and its <c>#fragment</c> is the anchor of a heading of the target markdown file
/// (or of the same file for a bare <c>#fragment</c>), or a line anchor (<c>#L12</c>, <c>#L3-L9</c>) of another file.
/// http:, https: and mailto: links are not checked.
/// </summary>
internal sealed partial class MarkdownLinks(string root)
{
    private readonly string _root = Path.GetFullPath(root);
    private readonly Dictionary<string, HashSet<string>> _anchors = new(StringComparer.Ordinal);

    /// <summary>A link's target as written, and the 1-based line it is on.</summary>
    public sealed record Link(int Line, string Target);

    /// <summary>
    /// Every broken link of <paramref name="markdownFiles"/> (paths relative to the root), as
    /// <c>file:line: target (why)</c>; empty when all resolve.
    /// </summary>
    public IReadOnlyList<string> Broken(IEnumerable<string> markdownFiles)
    {
        var broken = new List<string>();
        foreach (var file in markdownFiles)
        {
            var path = Path.GetFullPath(Path.Combine(_root, file));
            foreach (var link in Find(File.ReadAllText(path)))
            {
                if (Problem(path, link.Target) is { } why)
                {
                    broken.Add($"{Relative(path)}:{link.Line}: {link.Target} ({why})");
                }
            }
        }

        return broken;
    }

    /// <summary>The links of <paramref name="markdown"/> that are not in a fenced code block or inline code.</summary>
    public static IReadOnlyList<Link> Find(string markdown)
    {
        var links = new List<Link>();
        foreach (var (number, line) in ProseLines(markdown))
        {
            var text = BlankInlineCode(line);
            if (ReferenceDefinition().Match(text) is { Success: true } definition)
            {
                links.Add(new Link(number, Unbracket(definition.Groups["target"].Value)));
            }

            for (var start = text.IndexOf("](", StringComparison.Ordinal); start >= 0; start = text.IndexOf("](", start + 2, StringComparison.Ordinal))
            {
                if (Destination(text, start + 2) is { Length: > 0 } target)
                {
                    links.Add(new Link(number, target));
                }
            }

            foreach (Match href in Href().Matches(text))
            {
                links.Add(new Link(number, href.Groups["target"].Value));
            }
        }

        return links;
    }

    /// <summary>The anchors GitHub gives the headings of <paramref name="markdown"/>, in order, duplicates suffixed -1, -2, ….</summary>
    public static IReadOnlyList<string> Anchors(string markdown)
    {
        var anchors = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line) in ProseLines(markdown))
        {
            if (Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var anchor = slug;
            if (used.Contains(anchor))
            {
                var count = counts.GetValueOrDefault(slug);
                do
                {
                    anchor = $"{slug}-{++count}";
                }
                while (used.Contains(anchor));
                counts[slug] = count;
            }

            used.Add(anchor);
            anchors.Add(anchor);
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's anchor for a heading's text: its rendered text (link targets, emphasis markers and HTML tags gone)
    /// lowercased, every character but letters, digits, spaces, hyphens and underscores dropped, each space a hyphen.
    /// </summary>
    public static string Slug(string heading)
    {
        // Code spans keep their text as it is; elsewhere links, HTML tags and _emphasis_ leave only their text.
        var text = string.Concat(CodeSpan().Split(heading).Select((part, i) => i % 2 == 1
            ? part
            : UnderscoreEmphasis().Replace(HtmlTag().Replace(InlineLink().Replace(part, "${text}"), string.Empty), "${text}")));
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c is ' ' or '-' || char.IsLetterOrDigit(c) || category is UnicodeCategory.ConnectorPunctuation
                    or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
            {
                slug.Append(c == ' ' ? '-' : c);
            }
        }

        return slug.ToString();
    }

    /// <summary>Why <paramref name="target"/>, linked from <paramref name="file"/>, does not resolve; null when it does.</summary>
    private string? Problem(string file, string target)
    {
        if (External().IsMatch(target))
        {
            return null;
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var pathPart = hash < 0 ? target : target[..hash];
        var fragment = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
        var query = pathPart.IndexOf('?', StringComparison.Ordinal);
        pathPart = Uri.UnescapeDataString(query < 0 ? pathPart : pathPart[..query]);

        var resolved = pathPart.Length == 0
            ? file
            : Path.GetFullPath(pathPart.StartsWith('/') ? Path.Combine(_root, pathPart.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(file)!, pathPart));
        if (resolved != _root && !resolved.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return "outside the repository";
        }

        if (Directory.Exists(resolved))
        {
            return fragment is null ? null : $"#{fragment} into a directory";
        }

        if (!File.Exists(resolved))
        {
            return $"no file or directory {Relative(resolved)}";
        }

        if (fragment is null)
        {
            return null;
        }

        var where = resolved == file ? "this file" : Relative(resolved);
        if (!resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            var lineCount = File.ReadLines(resolved).Count();
            return LineAnchor().Match(fragment) is { Success: true } lines
                && lines.Groups.Values.Skip(1).Where(g => g.Success).All(g => int.Parse(g.Value, CultureInfo.InvariantCulture) is >= 1 and var n && n <= lineCount)
                ? null
                : $"#{fragment} is not a line of {where}";
        }

        if (!_anchors.TryGetValue(resolved, out var anchors))
        {
            anchors = [.. Anchors(File.ReadAllText(resolved))];
            _anchors[resolved] = anchors;
        }

        return anchors.Contains(fragment) ? null : $"no heading #{fragment} in {where}";
    }

    private string Relative(string path) => Path.GetRelativePath(_root, path).Replace('\\', '/');

    /// <summary>The numbered lines outside fenced code blocks (``` or ~~~, closed by a fence of the same character at least as long).</summary>
    private static IEnumerable<(int Number, string Line)> ProseLines(string markdown)
    {
        string? fence = null;
        var number = 0;
        foreach (var line in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var opening = Fence().Match(line);
            if (fence is null)
            {
                if (opening.Success)
                {
                    fence = opening.Groups["fence"].Value;
                }
                else
                {
                    yield return (number, line);
                }
            }
            else if (opening.Success && opening.Groups["fence"].Value[0] == fence[0] && opening.Groups["fence"].Length >= fence.Length
                     && opening.Groups["info"].Value.Trim().Length == 0)
            {
                fence = null;
            }
        }
    }

    /// <summary>The line with every code span (a backtick run up to the next run of the same length) blanked out.</summary>
    private static string BlankInlineCode(string line)
    {
        var text = line.ToCharArray();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '`')
            {
                i++;
                continue;
            }

            var run = 1;
            while (i + run < text.Length && text[i + run] == '`')
            {
                run++;
            }

            var close = -1;
            for (var j = i + run; j < text.Length; j++)
            {
                if (text[j] != '`')
                {
                    continue;
                }

                var other = 1;
                while (j + other < text.Length && text[j + other] == '`')
                {
                    other++;
                }

                if (other == run)
                {
                    close = j;
                    break;
                }

                j += other - 1;
            }

            if (close < 0)
            {
                i += run;
                continue;
            }

            Array.Fill(text, ' ', i, close + run - i);
            i = close + run;
        }

        return new string(text);
    }

    /// <summary>The destination of an inline link whose parenthesis opens before <paramref name="start"/>: up to the
    /// balancing <c>)</c>, without a title and angle brackets.</summary>
    private static string? Destination(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')' && depth-- == 0)
            {
                var inside = text[start..i].Trim();
                return inside.StartsWith('<') && inside.IndexOf('>', StringComparison.Ordinal) is > 0 and var end
                    ? inside[1..end]
                    : Unbracket(inside.Split(' ', 2)[0]);
            }
        }

        return null;
    }

    private static string Unbracket(string target) => target.StartsWith('<') && target.EndsWith('>') ? target[1..^1] : target;

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^ {0,3}\[[^\]]+\]:[ \t]*(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"<a\s[^>]*\bhref\s*=\s*[""'](?<target>[^""']*)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex Href();

    [GeneratedRegex(@"^(?:https?|mailto):", RegexOptions.IgnoreCase)]
    private static partial Regex External();

    [GeneratedRegex(@"^L(\d+)(?:-L(\d+))?$")]
    private static partial Regex LineAnchor();

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"(`+[^`]*`+)")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"</?[A-Za-z][^>]*>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"(?<![\p{L}\p{N}_])_+(?<text>[^_]+?)_+(?![\p{L}\p{N}_])")]
    private static partial Regex UnderscoreEmphasis();
}
