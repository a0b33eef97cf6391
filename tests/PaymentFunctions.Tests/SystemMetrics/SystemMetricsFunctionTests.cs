using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.SystemMetrics;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemMetricsFunctionTests
{
    [Fact]
    public async Task The_first_sample_sets_memory_but_no_cpu_and_the_second_sets_each_core_from_the_difference()
    {
        var source = new ScriptedSource(
            new SystemStats(new MemoryStats(600, 400, 1000), [new CoreTimes(0, 100, 1000), new CoreTimes(1, 500, 1000)]),
            new SystemStats(new MemoryStats(700, 300, 1000), [new CoreTimes(0, 150, 1200), new CoreTimes(1, 700, 1200)]));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new HostMetrics(registry);
        var function = new SystemMetricsFunction(new SystemMetricsSampler(source, metrics));

        function.SampleSystemMetrics(new TestTimerInfo());
        var first = await PrometheusText.FromRegistryAsync(registry);
        function.SampleSystemMetrics(new TestTimerInfo());
        var second = await PrometheusText.FromRegistryAsync(registry);

        Assert.Equal(600, first.Value("memory_usage_bytes", ("type", "used")));
        Assert.Equal(400, first.Value("memory_usage_bytes", ("type", "available")));
        Assert.Equal(1000, first.Value("memory_usage_bytes", ("type", "total")));
        Assert.Empty(first.Find("cpu_usage_percent"));

        Assert.Equal(700, second.Value("memory_usage_bytes", ("type", "used")));
        Assert.Equal(25, second.Value("cpu_usage_percent", ("core", "cpu0")), 9);   // 50 busy of 200 ticks
        Assert.Equal(100, second.Value("cpu_usage_percent", ("core", "cpu1")), 9);  // 200 busy of 200 ticks
    }

    [Fact]
    public async Task A_figure_the_platform_cannot_give_is_left_out()
    {
        var source = new ScriptedSource(new SystemStats(null, null), new SystemStats(null, null));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new HostMetrics(registry);
        var sampler = new SystemMetricsSampler(source, metrics);

        sampler.Sample();
        sampler.Sample();

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Empty(text.Find("memory_usage_bytes"));
        Assert.Empty(text.Find("cpu_usage_percent"));
    }

    [Theory]
    [InlineData(100, 1000, 100, 1000)] // no time passed
    [InlineData(100, 1000, 90, 1100)]  // counters went back (reset)
    public void No_utilisation_is_computed_without_elapsed_ticks(ulong busy0, ulong total0, ulong busy1, ulong total1) =>
        Assert.Null(SystemMetricsSampler.Utilisation(new CoreTimes(0, busy0, total0), new CoreTimes(0, busy1, total1)));

    [Fact]
    public async Task The_timer_function_from_the_app_registration_reports_plausible_figures_of_this_machine()
    {
        using var app = TestApp.Create();
        var function = app.Function<SystemMetricsFunction>();

        function.SampleSystemMetrics(new TestTimerInfo());
        var first = await app.ScrapeAsync();
        BurnCpu();
        function.SampleSystemMetrics(new TestTimerInfo());
        var second = await app.ScrapeAsync();

        var total = second.Value("memory_usage_bytes", ("type", "total"));
        var used = second.Value("memory_usage_bytes", ("type", "used"));
        var available = second.Value("memory_usage_bytes", ("type", "available"));
        Assert.InRange(total, 64L * 1024 * 1024, 64L * 1024 * 1024 * 1024 * 1024);
        Assert.InRange(used, 1, total);
        Assert.InRange(available, 0, total);
        Assert.Equal(total, used + available, 0);

        Assert.Empty(first.Find("cpu_usage_percent"));
        var cores = second.Find("cpu_usage_percent").ToList();
        var allowed = System.Numerics.BitOperations.PopCount((ulong)(long)System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity);
        Assert.Equal(allowed, cores.Count);
        Assert.All(cores, c => Assert.InRange(c.Value, 0, 100));
        Assert.All(cores, c => Assert.Matches("^cpu[0-9]+$", c.Labels["core"]));
        Assert.Contains(cores, c => c.Value > 0);
    }

    [Fact]
    public void A_cgroup_memory_limit_below_the_host_memory_is_what_total_and_used_report()
    {
        using var fake = new FakeProcAndCgroup();
        fake.Write("proc/meminfo", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n");
        fake.Write("cgroup/memory.max", "536870912\n");
        fake.Write("cgroup/memory.current", "314572800\n");
        fake.Write("cgroup/memory.stat", "anon 100\nfile 200\ninactive_file 104857600\nactive_file 5\n");

        var memory = new LinuxSystemStatsSource(fake.Path("proc"), fake.Path("cgroup")).ReadMemory();

        Assert.Equal(new MemoryStats(209715200, 327155712, 536870912), memory);
    }

    [Fact]
    public void Without_a_cgroup_limit_the_host_figures_are_reported()
    {
        using var fake = new FakeProcAndCgroup();
        fake.Write("proc/meminfo", "MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n");
        fake.Write("cgroup/memory.max", "max\n");
        fake.Write("cgroup/memory.current", "314572800\n");

        var memory = new LinuxSystemStatsSource(fake.Path("proc"), fake.Path("cgroup")).ReadMemory();

        Assert.Equal(new MemoryStats(8_000_000L * 1024, 8_000_000L * 1024, 16_000_000L * 1024), memory);
    }

    [Fact]
    public void Per_core_times_are_read_from_proc_stat_without_the_aggregate_line()
    {
        using var fake = new FakeProcAndCgroup();
        fake.Write("proc/stat", "cpu  10 0 10 100 5 0 0 0 0 0\ncpu0 4 1 2 50 3 0 1 0 0 0\ncpu1 6 0 8 50 2 1 0 1 0 0\nintr 1 2 3\n");

        var cores = new LinuxSystemStatsSource(fake.Path("proc"), fake.Path("cgroup")).ReadCores();

        Assert.NotNull(cores);
        Assert.Equal([new CoreTimes(0, 8, 61), new CoreTimes(1, 16, 68)], cores.Where(c => c.Core < 2));
    }

    private static void BurnCpu()
    {
        // Busy work on every core for a few scheduler ticks so the difference between samples is measurable.
        var until = DateTime.UtcNow.AddMilliseconds(60);
        Parallel.For(0, Environment.ProcessorCount, _ =>
        {
            var x = 0.0;
            while (DateTime.UtcNow < until)
            {
                x += Math.Sqrt(x + 1);
            }

            GC.KeepAlive(x);
        });
    }

    private sealed class ScriptedSource(params SystemStats[] readings) : ISystemStatsSource
    {
        private int _next;

        public SystemStats Read() => readings[_next++];
    }

    private sealed class FakeProcAndCgroup : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("proc-").FullName;

        public string Path(string relative) => System.IO.Path.Combine(_root, relative);

        public void Write(string relative, string content)
        {
            var path = Path(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}

internal sealed class TestTimerInfo : Microsoft.Azure.Functions.Worker.TimerInfo;
