namespace PaymentFunctions.Tests.Pushing;

/// <summary>
/// The <c>instance</c> label: the setting, else the id the Functions host itself gives the instance (azure-functions-host
/// <c>EnvironmentExtensions.GetInstanceId</c>), unique per worker process when the host runs several, else machine and process.
/// </summary>
public sealed class InstanceIdentityTests
{
    private const string Machine = "vm-7";
    private const int Process = 4242;

    private static string Resolve(string? configured, params (string Name, string Value)[] variables)
    {
        var environment = new FunctionsEnvironment(name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault());
        return InstanceIdentity.Resolve(configured, environment, Machine, Process);
    }

    [Fact]
    public void The_configured_instance_wins_over_every_host_variable() =>
        Assert.Equal("mine", Resolve(" mine ", ("WEBSITE_INSTANCE_ID", "abc"), ("WEBSITE_POD_NAME", "pod"), ("WEBSITE_SKU", "FlexConsumption")));

    [Fact]
    public void On_Flex_Consumption_the_pod_name_is_the_instance_then_the_container_name()
    {
        Assert.Equal("pod-1", Resolve(null, ("WEBSITE_SKU", "FlexConsumption"), ("WEBSITE_POD_NAME", "pod-1"), ("CONTAINER_NAME", "c-1"), ("WEBSITE_INSTANCE_ID", "abc")));
        Assert.Equal("c-1", Resolve(null, ("WEBSITE_SKU", "flexconsumption"), ("CONTAINER_NAME", "c-1"), ("WEBSITE_INSTANCE_ID", "abc")));
    }

    [Fact]
    public void On_Linux_Consumption_a_container_without_an_instance_id_is_named_by_its_pod_then_its_container()
    {
        Assert.Equal("pod-2", Resolve(null, ("CONTAINER_NAME", "c-2"), ("WEBSITE_POD_NAME", "pod-2")));
        Assert.Equal("c-2", Resolve(null, ("CONTAINER_NAME", "c-2")));
    }

    [Fact]
    public void Elsewhere_in_Azure_the_website_instance_id_is_the_instance() =>
        Assert.Equal("0123456789abcdef", Resolve("", ("WEBSITE_INSTANCE_ID", "0123456789abcdef"), ("CONTAINER_NAME", "c-3"), ("WEBSITE_POD_NAME", "pod-3")));

    [Fact]
    public void Several_worker_processes_of_one_host_each_push_their_own_group()
    {
        Assert.Equal($"abc-{Process}", Resolve(null, ("WEBSITE_INSTANCE_ID", "abc"), ("FUNCTIONS_WORKER_PROCESS_COUNT", "2")));
        Assert.Equal("abc", Resolve(null, ("WEBSITE_INSTANCE_ID", "abc"), ("FUNCTIONS_WORKER_PROCESS_COUNT", "1")));
        Assert.Equal("abc", Resolve(null, ("WEBSITE_INSTANCE_ID", "abc"), ("FUNCTIONS_WORKER_PROCESS_COUNT", "many")));
    }

    [Fact]
    public void Outside_Azure_machine_name_and_process_id_are_used() =>
        Assert.Equal($"{Machine}-{Process}", Resolve(null));

    [Fact]
    public void Characters_a_url_path_segment_cannot_carry_are_replaced()
    {
        Assert.Equal("a_b_c", Resolve(null, ("WEBSITE_INSTANCE_ID", "a/b c")));
        Assert.Equal("a.b-c_D9__", Resolve(" ", ("WEBSITE_INSTANCE_ID", "a.b-c_D9:é")));
        Assert.True(GroupingKey.IsSafeSegment(InstanceIdentity.Resolve(null, new FunctionsEnvironment(_ => null), Environment.MachineName, Environment.ProcessId)));
    }
}
