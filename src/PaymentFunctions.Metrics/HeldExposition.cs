using System.Text;

namespace PaymentFunctions.Metrics;

/// <summary>
/// What an instance pushes while its first values are held back: the registry's exposition (text format 0.0.4) with every
/// sample of a counter or histogram family set to 0, gauges as they are. Every series is there, so Prometheus scrapes
/// each at zero before it carries a value.
/// </summary>
internal static class HeldExposition
{
    public static byte[] ZeroCountersAndHistograms(ReadOnlySpan<byte> exposition)
    {
        var text = Encoding.UTF8.GetString(exposition);
        var output = new StringBuilder(text.Length);
        var zeroing = false;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.IsEmpty)
            {
                continue;
            }

            if (line[0] == '#')
            {
                // "# TYPE <name> <type>" starts a family; HELP and other comments pass through.
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var type = line[(line.LastIndexOf(' ') + 1)..];
                    zeroing = type is "counter" or "histogram" or "summary";
                }

                output.Append(line).Append('\n');
            }
            else if (zeroing)
            {
                output.Append(line[..ValueStart(line)]).Append("0\n");
            }
            else
            {
                output.Append(line).Append('\n');
            }
        }

        return Encoding.UTF8.GetBytes(output.ToString());
    }

    /// <summary>Where the value starts in <c>name{labels} value [timestamp]</c>; label values may hold spaces, braces and escaped quotes.</summary>
    private static int ValueStart(ReadOnlySpan<char> line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        if (i < line.Length && line[i] == '{')
        {
            var quoted = false;
            for (i++; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == '}')
                {
                    i++;
                    break;
                }
            }
        }

        while (i < line.Length && line[i] == ' ')
        {
            i++;
        }

        return i;
    }
}
