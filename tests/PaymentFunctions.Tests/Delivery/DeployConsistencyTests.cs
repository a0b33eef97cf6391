using System.Net;
using System.Text;
using System.Text.Json;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// What a deploy that changes a metric does to a real Pushgateway (1.11) running as shipped, with
/// <c>--push.disable-consistency-check</c>. Instance "old" pushes the app's real export; instance "new" pushes the same
/// export as the next app version would, with one metric changed. Then the procedure that brings scrapes back: delete
/// the old version's groups (found through the gateway's /api/v1/metrics), or give the changed metric a new name.
/// </summary>
public sealed class DeployConsistencyTests
{
    private const string Job = "payment-functions";
    private const string Metric = "payment_requests_total";
    private const string OldHelp = "Payment attempts by outcome, gateway and user tier.";
    private const string NewHelp = "Payment attempts by outcome, payment gateway and user tier.";
    private const string HelpLog = "msg=\"metric families inconsistent help strings\"";
    // The gateway logs it as "level=error caller=http.go:... msg=\"error gathering metrics: ...".
    private const string ScrapeErrorLog = "msg=\"error gathering metrics:";

    [Fact]
    public async Task A_changed_help_text_is_accepted_and_served_at_random_until_the_old_versions_groups_are_deleted()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var http = new HttpClient();
        var current = await CurrentExportAsync();
        var next = current.Replace($"# HELP {Metric} {OldHelp}\n", $"# HELP {Metric} {NewHelp}\n", StringComparison.Ordinal);
        Assert.NotEqual(current, next);

        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "old", current));
        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "new", next));

        // Scrapes still work and carry both instances' series, under one help text: either one, chosen per scrape
        // (the gateway merges the groups in map order). Every such scrape logs the conflict at info level.
        var (status, body) = await ScrapeAsync(http, gateway);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(HelpLines(body), line => line == $"# HELP {Metric} {OldHelp}" || line == $"# HELP {Metric} {NewHelp}");
        Assert.Single(HelpLines(body));
        var text = PrometheusText.Parse(body);
        Assert.Equal(1, text.Value(Metric, ("instance", "old"), ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
        Assert.Equal(1, text.Value(Metric, ("instance", "new"), ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
        await Poll.UntilAsync(() => gateway.Output.Contains(HelpLog, StringComparison.Ordinal), Gateways.Deadline, "the gateway logs the help conflict");

        // The procedure: once the old version's instances stopped, delete the groups that still carry the old help.
        var oldGroups = await InstancesWhoseHelpIsAsync(http, gateway, OldHelp);
        Assert.Equal(["old"], oldGroups);
        foreach (var instance in oldGroups)
        {
            Assert.Equal(HttpStatusCode.Accepted, await DeleteAsync(http, gateway, instance));
        }

        for (var i = 0; i < 10; i++)
        {
            (status, body) = await ScrapeAsync(http, gateway);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal([$"# HELP {Metric} {NewHelp}"], HelpLines(body));
        }

        Assert.False(PrometheusText.Parse(body).HasGroup(Job, "old"));
        Assert.True(PrometheusText.Parse(body).HasGroup(Job, "new"));
    }

    [Fact]
    public async Task A_changed_type_is_accepted_and_fails_every_scrape_for_everyone_until_one_versions_groups_are_deleted()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var http = new HttpClient();
        var current = await CurrentExportAsync();
        var next = current.Replace($"# TYPE {Metric} counter\n", $"# TYPE {Metric} gauge\n", StringComparison.Ordinal);
        Assert.NotEqual(current, next);

        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "old", current));
        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "new", next));

        // Nothing rejected the push; now every scrape answers 500 and Prometheus gets nothing from any instance.
        for (var i = 0; i < 5; i++)
        {
            var (status, body) = await ScrapeAsync(http, gateway);
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.StartsWith("An error has occurred while serving metrics:\n\n", body, StringComparison.Ordinal);
            Assert.Contains($"collected metric \"{Metric}\" ", body, StringComparison.Ordinal);
            Assert.Matches(@"\} is not a (COUNTER|GAUGE)\n", body);
        }

        await Poll.UntilAsync(() => gateway.Output.Contains(ScrapeErrorLog, StringComparison.Ordinal), Gateways.Deadline, "the gateway logs the failed scrape");

        // The gateway's API still answers and tells the versions apart by type: delete the old version's groups.
        var groups = await GroupsAsync(http, gateway);
        Assert.Equal("COUNTER", groups["old"].GetProperty(Metric).GetProperty("type").GetString());
        Assert.Equal("GAUGE", groups["new"].GetProperty(Metric).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Accepted, await DeleteAsync(http, gateway, "old"));

        var (healed, healedBody) = await ScrapeAsync(http, gateway);
        Assert.Equal(HttpStatusCode.OK, healed);
        Assert.Contains($"# TYPE {Metric} gauge\n", healedBody, StringComparison.Ordinal);
        Assert.True(PrometheusText.Parse(healedBody).HasGroup(Job, "new"));

        // An old-version instance that still runs brings the failure back with its next push.
        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "old", current));
        Assert.Equal(HttpStatusCode.InternalServerError, (await ScrapeAsync(http, gateway)).Status);
    }

    [Fact]
    public async Task A_renamed_metric_never_conflicts_whatever_its_type_and_help()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var http = new HttpClient();
        var current = await CurrentExportAsync();
        const string Renamed = "payment_attempts_total";
        var next = current
            .Replace($"# HELP {Metric} {OldHelp}\n", $"# HELP {Renamed} Payment attempts, any new help text.\n", StringComparison.Ordinal)
            .Replace($"# TYPE {Metric} counter\n", $"# TYPE {Renamed} gauge\n", StringComparison.Ordinal)
            .Replace($"\n{Metric}{{", $"\n{Renamed}{{", StringComparison.Ordinal);
        Assert.DoesNotContain(Metric, next, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "old", current));
        Assert.Equal(HttpStatusCode.Accepted, await PutAsync(http, gateway, "new", next));

        var (status, body) = await ScrapeAsync(http, gateway);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"# HELP {Metric} {OldHelp}\n# TYPE {Metric} counter\n", body, StringComparison.Ordinal);
        Assert.Contains($"# HELP {Renamed} Payment attempts, any new help text.\n# TYPE {Renamed} gauge\n", body, StringComparison.Ordinal);
        var text = PrometheusText.Parse(body);
        Assert.Equal(1, text.Value(Metric, ("instance", "old"), ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
        Assert.Equal(1, text.Value(Renamed, ("instance", "new"), ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
        Assert.Empty(text.Find(Metric, ("instance", "new")));
    }

    [Fact]
    public async Task With_the_default_check_a_changed_type_is_rejected_with_400_but_a_changed_help_text_is_accepted()
    {
        // For contrast: what the flag gives up. The default check rejects a type conflict; it never caught help texts.
        await using var gateway = await PushgatewayProcess.StartAsync(PushgatewayProcess.EnableConsistencyCheck);
        using var http = new HttpClient();
        var current = await CurrentExportAsync();
        var newType = current.Replace($"# TYPE {Metric} counter\n", $"# TYPE {Metric} gauge\n", StringComparison.Ordinal);
        var newHelp = current.Replace($"# HELP {Metric} {OldHelp}\n", $"# HELP {Metric} {NewHelp}\n", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await PutAsync(http, gateway, "old", current));
        using (var content = new StringContent(newType, Encoding.UTF8, "text/plain"))
        using (var rejected = await http.PutAsync(GroupUrl(gateway, "new-type"), content))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
            var message = await rejected.Content.ReadAsStringAsync();
            // Which side is "wrong" depends on the gateway's map order: the old counter or the new gauge.
            Assert.StartsWith("pushed metrics are invalid or inconsistent with existing metrics: ", message, StringComparison.Ordinal);
            Assert.Contains($"collected metric \"{Metric}\" ", message, StringComparison.Ordinal);
            Assert.Matches(@"\} is not a (COUNTER|GAUGE)\n$", message);
        }

        Assert.Equal(HttpStatusCode.OK, await PutAsync(http, gateway, "new-help", newHelp));

        var (status, body) = await ScrapeAsync(http, gateway);
        Assert.Equal(HttpStatusCode.OK, status);
        var text = PrometheusText.Parse(body);
        Assert.True(text.Value("push_failure_time_seconds", ("job", Job), ("instance", "new-type")) > 0);
        Assert.Empty(text.Find(Metric, ("instance", "new-type")));
        Assert.Equal(1, text.Value(Metric, ("instance", "new-help"), ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
    }

    /// <summary>What one instance of the current app version pushes after one successful premium payment through stripe.</summary>
    private static async Task<string> CurrentExportAsync()
    {
        using var app = TestApp.Create();
        app.Metrics.PaymentRequests.WithLabels("success", "stripe", "premium").Inc();
        using var stream = new MemoryStream();
        await app.Registry.CollectAndExportAsTextAsync(stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains($"# HELP {Metric} {OldHelp}\n# TYPE {Metric} counter\n", text, StringComparison.Ordinal);
        return text;
    }

    private static Uri GroupUrl(PushgatewayProcess gateway, string instance) => new(gateway.Url, $"/metrics/job/{Job}/instance/{instance}");

    private static async Task<HttpStatusCode> PutAsync(HttpClient http, PushgatewayProcess gateway, string instance, string payload)
    {
        using var content = new StringContent(payload, Encoding.UTF8, "text/plain");
        using var response = await http.PutAsync(GroupUrl(gateway, instance), content);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> DeleteAsync(HttpClient http, PushgatewayProcess gateway, string instance)
    {
        using var response = await http.DeleteAsync(GroupUrl(gateway, instance));
        return response.StatusCode;
    }

    /// <summary>/metrics once the gateway applied the pushes it answered 202 (it applies them after answering).</summary>
    private static Task<(HttpStatusCode Status, string Body)> ScrapeAsync(HttpClient http, PushgatewayProcess gateway) =>
        gateway.ScrapeTextAsync();

    private static List<string> HelpLines(string body) =>
        body.Split('\n').Where(line => line.StartsWith($"# HELP {Metric} ", StringComparison.Ordinal)).ToList();

    /// <summary>The gateway's groups of this job by instance, from /api/v1/metrics (which answers even when /metrics fails).</summary>
    private static async Task<Dictionary<string, JsonElement>> GroupsAsync(HttpClient http, PushgatewayProcess gateway)
    {
        await gateway.FlushAsync();
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway.Url, "/api/v1/metrics")));
        return document.RootElement.GetProperty("data").EnumerateArray()
            .Where(g => g.GetProperty("labels").GetProperty("job").GetString() == Job)
            .ToDictionary(g => g.GetProperty("labels").GetProperty("instance").GetString()!, g => g.Clone(), StringComparer.Ordinal);
    }

    private static async Task<List<string>> InstancesWhoseHelpIsAsync(HttpClient http, PushgatewayProcess gateway, string help) =>
        (await GroupsAsync(http, gateway))
            .Where(g => g.Value.TryGetProperty(Metric, out var family) && family.GetProperty("help").GetString() == help)
            .Select(g => g.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
}
