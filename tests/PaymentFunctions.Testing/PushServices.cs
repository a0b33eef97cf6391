using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace PaymentFunctions.Testing;

/// <summary>
/// The push library registered on its own, as an app registers it (<c>AddPrometheusPush</c> with a section), with the
/// settings given (keys relative to the section, e.g. <c>Url</c>), a test clock and captured logs; nothing is started.
/// </summary>
public static class PushServices
{
    public const string Section = "MetricPush";

    public static ServiceProvider Create(
        IEnumerable<(string Key, string? Value)> settings, TimeProvider clock, Action<PrometheusPushBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{Section}:{s.Key}", s.Value)))
            .Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddLogging(logging => logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        collection.AddSingleton(clock);
        services?.Invoke(collection);
        collection.AddPrometheusPush(Section, configure ?? (_ => { }));
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
