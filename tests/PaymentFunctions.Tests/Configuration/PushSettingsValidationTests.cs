using Microsoft.Extensions.Options;

namespace PaymentFunctions.Tests.Configuration;

/// <summary>
/// The push settings at their edges: the last valid value passes, the first invalid one fails with exactly one message,
/// the whole message, naming the app setting and never echoing a secret.
/// </summary>
public sealed class PushSettingsValidationTests
{
    private const string Gateway = "http://127.0.0.1:9091";

    [Theory]
    [InlineData("IntervalSeconds", "0.001")]
    [InlineData("IntervalSeconds", "3600")]
    [InlineData("TimeoutSeconds", "0.001")]
    [InlineData("TimeoutSeconds", "60")]
    [InlineData("MinIntervalSeconds", "0")]
    [InlineData("MinIntervalSeconds", "3600")]
    [InlineData("FirstValuesDelaySeconds", "0")]
    [InlineData("FirstValuesDelaySeconds", "3600")]
    [InlineData("MaxRetryAttempts", "0")]
    [InlineData("MaxRetryAttempts", "10")]
    [InlineData("RetryDelaySeconds", "0.001")]
    [InlineData("RetryDelaySeconds", "60")]
    [InlineData("SlowPushSeconds", "0.05")]
    [InlineData("MaxBackoffSeconds", "0")]
    [InlineData("MaxBackoffSeconds", "3600")]
    [InlineData("ShutdownPushSeconds", "0.001")]
    [InlineData("ShutdownPushSeconds", "4.999")]
    [InlineData("GroupTtlMinutes", "0.001")]
    [InlineData("GroupTtlMinutes", "10080")]
    [InlineData("FinishedGroupRetentionSeconds", "0")]
    [InlineData("FailedGroupRetentionSeconds", "604800")]
    [InlineData("Job", "job-1_a.b")]
    [InlineData("Instance", "")]
    [InlineData("Instance", "host-1_a.b")]
    [InlineData("Url", "https://gateway.example/base/")]
    public void A_push_setting_at_its_edge_is_valid(string key, string value) =>
        Assert.True(Validate((key, value)).Succeeded);

    [Theory]
    [InlineData("IntervalSeconds", "0", "MetricPush__IntervalSeconds must be a number of seconds between 0 and 3600.")]
    [InlineData("IntervalSeconds", "3600.001", "MetricPush__IntervalSeconds must be a number of seconds between 0 and 3600.")]
    [InlineData("TimeoutSeconds", "0", "MetricPush__TimeoutSeconds must be a number of seconds between 0 and 60.")]
    [InlineData("TimeoutSeconds", "60.001", "MetricPush__TimeoutSeconds must be a number of seconds between 0 and 60.")]
    [InlineData("MinIntervalSeconds", "-0.001", "MetricPush__MinIntervalSeconds must be a number of seconds between 0 and 3600.")]
    [InlineData("MinIntervalSeconds", "3600.001", "MetricPush__MinIntervalSeconds must be a number of seconds between 0 and 3600.")]
    [InlineData("FirstValuesDelaySeconds", "-0.001", "MetricPush__FirstValuesDelaySeconds must be a number of seconds between 0 and 3600 (0, the default, turns the hold off; for a scraper without created timestamps at least its scrape interval).")]
    [InlineData("FirstValuesDelaySeconds", "3600.001", "MetricPush__FirstValuesDelaySeconds must be a number of seconds between 0 and 3600 (0, the default, turns the hold off; for a scraper without created timestamps at least its scrape interval).")]
    [InlineData("MaxRetryAttempts", "-1", "MetricPush__MaxRetryAttempts must be a whole number between 0 and 10.")]
    [InlineData("MaxRetryAttempts", "11", "MetricPush__MaxRetryAttempts must be a whole number between 0 and 10.")]
    [InlineData("RetryDelaySeconds", "0", "MetricPush__RetryDelaySeconds must be a number of seconds between 0 and 60.")]
    [InlineData("RetryDelaySeconds", "60.001", "MetricPush__RetryDelaySeconds must be a number of seconds between 0 and 60.")]
    [InlineData("SlowPushSeconds", "0", "MetricPush__SlowPushSeconds must be a number of seconds between 0 and 60 (a push slower than this backs the instance off).")]
    [InlineData("MaxBackoffSeconds", "-1", "MetricPush__MaxBackoffSeconds must be a number of seconds between 0 and 3600 (at most half the rules' freshness window keeps a backing-off instance on the live panels).")]
    [InlineData("ShutdownPushSeconds", "0", "MetricPush__ShutdownPushSeconds must be a number of seconds above 0 and below 5 (the worker's shutdown grace period).")]
    [InlineData("ShutdownPushSeconds", "5", "MetricPush__ShutdownPushSeconds must be a number of seconds above 0 and below 5 (the worker's shutdown grace period).")]
    [InlineData("GroupTtlMinutes", "0", "MetricPush__GroupTtlMinutes must be a number of minutes between 0 and 10080.")]
    [InlineData("FinishedGroupRetentionSeconds", "-1", "MetricPush__FinishedGroupRetentionSeconds must be a number of seconds between 0 and 604800 (at least the longest rate() window of the rules plus two scrape intervals keeps every query exact).")]
    [InlineData("FailedGroupRetentionSeconds", "604801", "MetricPush__FailedGroupRetentionSeconds must be a number of seconds between 0 and 604800.")]
    [InlineData("GroupTtlMinutes", "10080.001", "MetricPush__GroupTtlMinutes must be a number of minutes between 0 and 10080.")]
    [InlineData("Job", "", "MetricPush__Job is empty and WEBSITE_SITE_NAME (the Function App's name) is not set: name the job of this app's groups.")]
    [InlineData("Job", " ", "MetricPush__Job is empty and WEBSITE_SITE_NAME (the Function App's name) is not set: name the job of this app's groups.")]
    [InlineData("Job", "a/b", "MetricPush__Job must be a name of letters, digits, '_', '-' or '.'.")]
    [InlineData("Instance", "a b", "MetricPush__Instance must consist of letters, digits, '_', '-' or '.'.")]
    [InlineData("Url", "gateway:9091/x", "MetricPush__Url must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).")]
    [InlineData("Url", "/relative", "MetricPush__Url must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).")]
    [InlineData("Url", "ftp://gateway", "MetricPush__Url must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).")]
    [InlineData("Url", "http://user:secret@gateway", "MetricPush__Url must not contain credentials.")]
    [InlineData("Url", "http://gateway,HTTP://Gateway/", "MetricPush__Url lists the same Pushgateway twice: every shard must be another gateway.")]
    [InlineData("Url", "http://gateway/?a=b", "MetricPush__Url must not have a query or a fragment: the group's path is added to it.")]
    [InlineData("Url", "http://gateway/#part", "MetricPush__Url must not have a query or a fragment: the group's path is added to it.")]
    [InlineData("Url", "http://gateway,ftp://other", "MetricPush__Url (entry 2 of 2) must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).")]
    public void A_bad_push_setting_fails_with_one_message_naming_it(string key, string value, string message)
    {
        var result = Validate((key, value));

        Assert.Equal([message], result.Failures);
        Assert.DoesNotContain("secret", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_auth_needs_both_credentials_https_and_a_user_name_without_a_colon()
    {
        Assert.True(Validate(("Url", "https://gateway"), ("Username", "user"), ("Password", "secret")).Succeeded);
        Assert.Equal(
            ["MetricPush__Username and MetricPush__Password must be set together (or both left empty)."],
            Validate(("Url", "https://gateway"), ("Username", "user")).Failures);
        Assert.Equal(
            ["MetricPush__Username and MetricPush__Password must be set together (or both left empty)."],
            Validate(("Url", "https://gateway"), ("Password", "secret")).Failures);
        Assert.Equal(
            ["MetricPush__Username must not contain ':'."],
            Validate(("Url", "https://gateway"), ("Username", "us:er"), ("Password", "secret")).Failures);
        Assert.Equal(
            ["MetricPush__Url must be an https:// URL when MetricPush__Username is set: basic auth is never sent in clear text."],
            Validate(("Url", "http://gateway"), ("Username", "user"), ("Password", "secret")).Failures);
    }

    [Fact]
    public void Without_a_url_pushing_is_off_and_the_url_and_job_rules_do_not_apply()
    {
        var options = PaymentSettingsValidationTests.Bind(new PushOptions(), [("Url", " ")]);

        Assert.False(options.IsEnabled());
        Assert.Empty(options.UrlEntries());
        Assert.Empty(options.ShardUrls());
        Assert.True(new PushOptionsValidator(Section, NoAzure).Validate(null, options).Succeeded);
        Assert.False(new PushOptions().IsEnabled());
    }

    [Fact]
    public void Sixteen_shards_are_valid_and_seventeen_are_not()
    {
        var sixteen = string.Join(',', Enumerable.Range(0, PushOptionsValidator.MaxShards).Select(i => $"http://gw-{i}:9091"));

        Assert.True(Validate(("Url", sixteen)).Succeeded);
        Assert.Equal(["MetricPush__Url lists 17 Pushgateways: at most 16 shards are supported."], Validate(("Url", sixteen + ",http://gw-16:9091")).Failures);
    }

    [Fact]
    public void Without_a_job_the_function_apps_name_is_the_job_and_the_setting_still_wins()
    {
        var azure = new FunctionsEnvironment(name => name == "WEBSITE_SITE_NAME" ? "orders-prod" : null);

        Assert.Equal("orders-prod", new PushOptions { Url = Gateway }.EffectiveJob(azure));
        Assert.Equal("orders", new PushOptions { Url = Gateway, Job = " orders " }.EffectiveJob(azure));
        Assert.Null(new PushOptions { Url = Gateway }.EffectiveJob(NoAzure));
        Assert.True(new PushOptionsValidator(Section, azure).Validate(null, new PushOptions { Url = Gateway }).Succeeded);
    }

    [Fact]
    public void Messages_name_the_settings_of_the_section_the_app_bound()
    {
        var section = new PushSection("Observability:Push");
        var options = new PushOptions { Url = "ftp://gateway", Job = "j", IntervalSeconds = 0 };

        Assert.Equal(
            [
                "Observability__Push__Url must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).",
                "Observability__Push__IntervalSeconds must be a number of seconds between 0 and 3600.",
            ],
            new PushOptionsValidator(section, NoAzure).Validate(null, options).Failures);
    }

    [Fact]
    public void The_options_print_without_the_password()
    {
        var options = new PushOptions { Url = Gateway, Job = "payment-functions", Instance = "i-1", Username = "user", Password = "secret" };

        Assert.Equal("PushOptions(Url=http://127.0.0.1:9091, Job=payment-functions, Instance=i-1, Format=Protobuf, Username=set)", options.ToString());
        Assert.Equal("PushOptions(Url=, Job=, Instance=, Format=Protobuf, Username=none)", new PushOptions().ToString());
    }

    [Fact]
    public void The_minimum_interval_and_the_ttl_in_force_keep_their_settings_when_these_are_inside_the_limits()
    {
        var options = new PushOptions { IntervalSeconds = 5, MinIntervalSeconds = 1, FirstValuesDelaySeconds = 20 };

        Assert.Equal(TimeSpan.FromSeconds(1), options.EffectiveMinInterval());
        Assert.Equal(TimeSpan.FromMinutes(15), new GroupJanitorOptions { GroupTtlMinutes = 15 }.EffectiveGroupTtl(options));
    }

    private static readonly PushSection Section = new("MetricPush");
    private static readonly FunctionsEnvironment NoAzure = new(_ => null);

    /// <summary>The push and janitor settings bound as the app binds them (one section) and both validators' failures.</summary>
    private static ValidateOptionsResult Validate(params (string Key, string? Value)[] settings)
    {
        // A Pushgateway URL and a job unless the test sets its own.
        var all = new Dictionary<string, string?> { ["Url"] = Gateway, ["Job"] = "payment-functions" };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        (string, string?)[] bound = [.. all.Select(s => (s.Key, s.Value))];
        var push = new PushOptionsValidator(Section, NoAzure).Validate(null, PaymentSettingsValidationTests.Bind(new PushOptions(), bound));
        var janitor = new GroupJanitorOptionsValidator(Section).Validate(null, PaymentSettingsValidationTests.Bind(new GroupJanitorOptions(), bound));
        var failures = (push.Failures ?? []).Concat(janitor.Failures ?? []).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [Fact]
    public void A_format_set_in_code_outside_the_enum_names_the_setting_and_its_values() =>
        Assert.Equal(
            ["MetricPush__Format must be 'protobuf' (the default: created timestamps) or 'text'."],
            new PushOptionsValidator(Section, NoAzure).Validate(null, new PushOptions { Url = Gateway, Job = "j", Format = (PushFormat)7 }).Failures);
}
