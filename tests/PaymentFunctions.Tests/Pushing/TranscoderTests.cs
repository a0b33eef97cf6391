using System.Text;
using AzureFunctions.PrometheusPush.Internal.Encoding;
using AzureFunctions.PrometheusPush.Internal.Encoding.Wire;
using Google.Protobuf.WellKnownTypes;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>
/// The text parser and the protobuf transcoder on what prometheus-net writes and on what it never should: help and label
/// escapes, summaries and untyped families, and every refusal named with its line.
/// </summary>
public sealed class TranscoderTests
{
    private static readonly Timestamp Created = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Help_text_is_unescaped_and_a_family_without_help_has_none_even_after_one_with_help()
    {
        var exposition = Parse("# TYPE a gauge\na 1\n# HELP b \\\\one\\ntwo\\\\\n# TYPE b gauge\nb 2\n# TYPE c gauge\nc 3\n# HELP d\n# TYPE d gauge\nd 4\n");

        Assert.Equal(["", "\\one\ntwo\\", "", ""], exposition.Families.Select(f => f.Help));
    }

    [Fact]
    public void Other_comment_lines_are_skipped()
    {
        var exposition = Parse("# a comment\n# TYPE a gauge\n# EOF\na 1\n");

        Assert.Equal(1, Assert.Single(Assert.Single(exposition.Families).Samples).Value);
    }

    [Fact]
    public void Label_values_are_unescaped()
    {
        var sample = Assert.Single(Assert.Single(Parse("# TYPE a gauge\na{l=\"q\\\"b\\\\s\\nn\",m=\"\"} 1\n").Families).Samples);

        Assert.Equal([new("l", "q\"b\\s\nn"), new("m", "")], sample.Labels);
    }

    [Theory]
    [InlineData("# TYPE c\n", "Line 1 of the registry's exposition cannot be read (a # TYPE line without a type): # TYPE c")]
    [InlineData("# TYPE  counter\n", "Line 1 of the registry's exposition cannot be read (a # TYPE line without a type): # TYPE  counter")]
    [InlineData("# TYPE c counter\n{l=\"v\"} 1\n", "Line 2 of the registry's exposition cannot be read (a sample without a name): {l=\"v\"} 1")]
    [InlineData("# TYPE c counter\nc{l=v} 1\n", "Line 2 of the registry's exposition cannot be read (a label without a quoted value): c{l=v} 1")]
    [InlineData("# TYPE c counter\nc{=\"v\"} 1\n", "Line 2 of the registry's exposition cannot be read (a label without a quoted value): c{=\"v\"} 1")]
    [InlineData("# TYPE c counter\nc{l=\n", "Line 2 of the registry's exposition cannot be read (a label without a quoted value): c{l=")]
    [InlineData("# TYPE c counter\nc{l=\"v\n", "Line 2 of the registry's exposition cannot be read (an unterminated label value): c{l=\"v")]
    [InlineData("# TYPE c counter\nc{l=\"v\\\n", "Line 2 of the registry's exposition cannot be read (an unterminated label value): c{l=\"v\\")]
    public void A_malformed_line_is_refused_naming_the_line_and_why(string exposition, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => Parse(exposition)).Message);

    [Fact]
    public void A_refused_line_is_quoted_up_to_120_characters()
    {
        var exactly = "c{l=\"" + new string('v', 111) + "\"} x";
        var longer = "c{l=\"" + new string('v', 112) + "\"} x";

        Assert.EndsWith("): " + exactly, Assert.Throws<FormatException>(() => Parse("# TYPE c counter\n" + exactly + "\n")).Message, StringComparison.Ordinal);
        Assert.EndsWith("): " + longer[..120] + "...", Assert.Throws<FormatException>(() => Parse("# TYPE c counter\n" + longer + "\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_summary_becomes_quantiles_sum_and_count_with_its_created_timestamp_and_an_untyped_family_its_value()
    {
        var families = Transcode("# TYPE s summary\ns{p=\"x\",quantile=\"0.5\"} 3\ns{p=\"x\",quantile=\"0.9\"} 4\ns_sum{p=\"x\"} 10\ns_count{p=\"x\"} 5\n# TYPE u untyped\nu{l=\"a\"} 7\n");

        var summary = Assert.Single(families[0].Metric);
        Assert.Equal(MetricType.Summary, families[0].Type);
        Assert.Equal(["p=x"], summary.Label.Select(l => $"{l.Name}={l.Value}"));
        Assert.Equal([(0.5, 3.0), (0.9, 4.0)], summary.Summary.Quantile.Select(q => (q.Quantile_, q.Value)));
        Assert.Equal(10, summary.Summary.SampleSum);
        Assert.Equal(5ul, summary.Summary.SampleCount);
        Assert.Equal(Created, summary.Summary.CreatedTimestamp);

        var untyped = Assert.Single(families[1].Metric);
        Assert.Equal(MetricType.Untyped, families[1].Type);
        Assert.Equal(7, untyped.Untyped.Value);
        Assert.Equal("l=a", Assert.Single(untyped.Label.Select(l => $"{l.Name}={l.Value}")));
    }

    [Theory]
    [InlineData("# TYPE c counter\nd 1\n", "the sample d is not of the family c")]
    [InlineData("# TYPE g gauge\nh 1\n", "the sample h is not of the family g")]
    [InlineData("# TYPE u untyped\nv 1\n", "the sample v is not of the family u")]
    [InlineData("# TYPE h histogram\ng_sum 1\n", "the sample g_sum is not of the family h")]
    [InlineData("# TYPE h histogram\nh_xxxxx 1\n", "the sample h_xxxxx is not of the family h")]
    [InlineData("# TYPE h histogram\nh_bucket{a=\"b\"} 1\n", "a histogram bucket without le")]
    [InlineData("# TYPE h histogram\nh_count 1.5\n", "the count 1.5 is not a whole number")]
    [InlineData("# TYPE h histogram\nh_count -1\n", "the count -1 is not a whole number")]
    [InlineData("# TYPE s summary\ns{p=\"x\"} 1\n", "a summary sample without quantile")]
    public void A_sample_the_protobuf_format_cannot_carry_is_refused_naming_why(string exposition, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => Transcode(exposition)).Message);

    private static TextExposition Parse(string text) => TextExposition.Parse(Encoding.UTF8.GetBytes(text));

    private static List<MetricFamily> Transcode(string text)
    {
        var exposition = Parse(text);
        var created = ProtobufTranscoder.CountedSeries(exposition).Distinct().ToDictionary(key => key, _ => Created);
        using var stream = new MemoryStream();
        ProtobufTranscoder.Write(exposition, created, holdCounts: false, stream);
        stream.Position = 0;
        var families = new List<MetricFamily>();
        while (stream.Position < stream.Length)
        {
            families.Add(MetricFamily.Parser.ParseDelimitedFrom(stream));
        }

        return families;
    }
}
