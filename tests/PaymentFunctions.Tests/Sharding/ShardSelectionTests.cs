using System.Globalization;

namespace PaymentFunctions.Tests.Sharding;

/// <summary>Which Pushgateway shard an instance pushes to, and the settings that list the shards.</summary>
public sealed class ShardSelectionTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void The_hash_is_32_bit_fnv_1a_as_published(string value, uint expected) =>
        Assert.Equal(expected, PushShards.Fnv1a(value));

    [Fact]
    public void One_gateway_takes_every_instance() =>
        Assert.All(Instances(50), i => Assert.Equal(0, PushShards.Select(i, 1)));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Shards_share_a_fleet_of_host_instance_ids_evenly(int shards)
    {
        var counts = new int[shards];
        foreach (var instance in Instances(1000))
        {
            counts[PushShards.Select(instance, shards)]++;
        }

        // Binomial spread at 1,000 instances: about ±3 standard deviations of 1,000/N around 1,000/N.
        var expected = 1000.0 / shards;
        Assert.All(counts, c => Assert.InRange(c, expected * 0.85, expected * 1.15));
    }

    [Fact]
    public void The_shard_of_an_instance_is_the_hash_modulo_the_shard_count() =>
        Assert.Equal((int)(0xbf9cf968u % 3), PushShards.Select("foobar", 3));

    private static readonly PushOptionsValidator Validator = new(new PushSection("MetricPush"), new FunctionsEnvironment(_ => null));

    [Fact]
    public void Several_gateways_separated_by_commas_are_valid_and_keep_their_order()
    {
        var options = new PushOptions { Url = "http://gw-0:9091, http://gw-1:9091/ ,https://gw-2", Job = "j" };

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal(["http://gw-0:9091/", "http://gw-1:9091/", "https://gw-2/"], options.ShardUrls().Select(u => u.AbsoluteUri));
    }

    [Theory]
    [InlineData("http://gw-0:9091,,http://gw-1:9091", "MetricPush__Url (entry 2 of 3) must be an absolute http:// or https:// URL of the Pushgateway")]
    [InlineData("http://gw-0:9091,ftp://gw-1", "MetricPush__Url (entry 2 of 2) must be an absolute http:// or https:// URL of the Pushgateway")]
    [InlineData("http://gw-0:9091,http://u:p@gw-1", "MetricPush__Url (entry 2 of 2) must not contain credentials")]
    [InlineData("http://gw-0:9091,http://GW-0:9091/", "MetricPush__Url lists the same Pushgateway twice")]
    public void A_bad_shard_list_names_the_setting_and_the_entry(string url, string expected)
    {
        var result = Validator.Validate(null, new PushOptions { Url = url, Job = "j" });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("u:p", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_auth_needs_https_on_every_shard()
    {
        var options = new PushOptions { Url = "https://gw-0,http://gw-1", Job = "j", Username = "user", Password = "secret-value-2" };

        var result = Validator.Validate(null, options);

        Assert.Contains("MetricPush__Url (entry 2 of 2) must be an https:// URL when MetricPush__Username is set", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("entry 1", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value-2", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void More_shards_than_supported_is_a_configuration_error()
    {
        var url = string.Join(',', Enumerable.Range(0, PushOptionsValidator.MaxShards + 1).Select(i => $"http://gw-{i}:9091"));

        var result = Validator.Validate(null, new PushOptions { Url = url, Job = "j" });

        Assert.Contains($"MetricPush__Url lists 17 Pushgateways: at most 16 shards are supported.", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>Instance ids shaped like the host's <c>WEBSITE_INSTANCE_ID</c> (64 hex digits), from a fixed seed.</summary>
    internal static IEnumerable<string> Instances(int count, int seed = 7)
    {
        var random = new Random(seed);
        var bytes = new byte[32];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            yield return Convert.ToHexString(bytes).ToLower(CultureInfo.InvariantCulture);
        }
    }
}
