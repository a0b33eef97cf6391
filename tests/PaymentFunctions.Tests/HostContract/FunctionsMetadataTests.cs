using System.Text.Json;

namespace PaymentFunctions.Tests.HostContract;

/// <summary>The host contract as the Functions host reads it: the <c>functions.metadata</c> the worker SDK writes into the build output.</summary>
public sealed class FunctionsMetadataTests
{
    private static readonly JsonElement[] Functions = Load();

    [Fact]
    public void The_payment_function_is_an_http_post_trigger_on_route_payments_with_function_auth()
    {
        var function = Single("ProcessPayment");

        Assert.Equal("PaymentFunctions.PaymentsFunction.ProcessPayment", function.GetProperty("entryPoint").GetString());
        Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
        var trigger = Binding(function, "httpTrigger");
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal("payments", trigger.GetProperty("route").GetString());
        Assert.Equal(["post"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Out", Binding(function, "http").GetProperty("direction").GetString());
    }

    [Fact]
    public void The_system_metrics_function_is_a_timer_trigger_scheduled_from_an_app_setting()
    {
        var function = Single("SampleSystemMetrics");

        Assert.Equal("PaymentFunctions.SystemMetricsFunction.SampleSystemMetrics", function.GetProperty("entryPoint").GetString());
        Assert.Equal("%SystemMetricsSchedule%", Binding(function, "timerTrigger").GetProperty("schedule").GetString());
    }

    [Fact]
    public void Every_schedule_setting_the_functions_name_has_a_default_in_the_sample_settings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");

        foreach (var schedule in Functions.SelectMany(f => f.GetProperty("bindings").EnumerateArray())
                     .Where(b => b.GetProperty("type").GetString() == "timerTrigger")
                     .Select(b => b.GetProperty("schedule").GetString()!))
        {
            var setting = schedule.Trim('%');
            Assert.True(values.TryGetProperty(setting, out var value), $"local.settings.sample.json lacks {setting}");
            Assert.Equal(6, value.GetString()!.Split(' ').Length); // NCRONTAB with seconds
        }
    }

    [Fact]
    public void The_shipped_host_json_is_the_top_level_one()
    {
        var shipped = Path.Combine(AppOutput(), "host.json");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(shipped));
    }

    private static JsonElement Single(string name) => Assert.Single(Functions, f => f.GetProperty("name").GetString() == name);

    private static JsonElement Binding(JsonElement function, string type) =>
        Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);

    /// <summary>The Functions app's own build output (same configuration as this test build).</summary>
    private static string AppOutput()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0/
        return Path.Combine(RepoPaths.Root, "src", "PaymentFunctions", "bin", configuration, "net10.0");
    }

    private static JsonElement[] Load()
    {
        var path = Path.Combine(AppOutput(), "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }
}
