using PaymentFunctions.Metrics;

namespace PaymentFunctions.Tests.Pushing;

public sealed class GroupingKeyTests
{
    [Fact]
    public void The_configured_instance_wins() =>
        Assert.Equal("mine", GroupingKey.ResolveInstance("mine", "abc123"));

    [Fact]
    public void Without_one_the_functions_host_instance_id_is_used() =>
        Assert.Equal("0123456789abcdef", GroupingKey.ResolveInstance(null, "0123456789abcdef"));

    [Fact]
    public void Without_either_machine_name_and_process_id_are_used_with_unsafe_characters_replaced()
    {
        var instance = GroupingKey.ResolveInstance("", null);

        Assert.EndsWith($"-{Environment.ProcessId}", instance, StringComparison.Ordinal);
        Assert.True(GroupingKey.IsSafeSegment(instance));
    }

    [Fact]
    public void Characters_a_url_path_segment_cannot_carry_are_replaced() =>
        Assert.Equal("a_b_c", GroupingKey.ResolveInstance(null, "a/b c"));
}
