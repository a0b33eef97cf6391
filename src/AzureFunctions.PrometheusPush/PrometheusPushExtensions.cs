using AzureFunctions.PrometheusPush.Internal;
using AzureFunctions.PrometheusPush.Internal.Configuration;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace AzureFunctions.PrometheusPush;

/// <summary>The one registration: push a prometheus-net registry to a Pushgateway.</summary>
public static class PrometheusPushExtensions
{
    /// <summary>
    /// Pushes the registry of <paramref name="configure"/> (a dedicated one by default) to the Pushgateway named in the
    /// configuration section <paramref name="configurationSection"/> (<see cref="PushOptions"/>, <see cref="GroupJanitorOptions"/>,
    /// validated at start-up), and adds the invocation middleware when <see cref="PrometheusPushBuilder.UseInvocationMetrics"/>
    /// is called. Works with <c>FunctionsApplication.CreateBuilder</c> and with
    /// <c>HostBuilder().ConfigureFunctionsWebApplication(builder => ...)</c>. A second call does nothing.
    /// </summary>
    public static IFunctionsWorkerApplicationBuilder AddPrometheusPush(
        this IFunctionsWorkerApplicationBuilder builder, string configurationSection, Action<PrometheusPushBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(PushRegistration)))
        {
            return builder;
        }

        var registration = Register(builder.Services, configurationSection, configure);
        if (registration.InvocationFunctions is not null)
        {
            builder.UseMiddleware<InvocationMiddleware>();
        }

        return builder;
    }

    /// <summary>Pushes a dedicated registry with the settings of <paramref name="configurationSection"/>, without invocation metrics.</summary>
    public static IFunctionsWorkerApplicationBuilder AddPrometheusPush(this IFunctionsWorkerApplicationBuilder builder, string configurationSection) =>
        builder.AddPrometheusPush(configurationSection, _ => { });

    /// <summary>
    /// As <see cref="AddPrometheusPush(IFunctionsWorkerApplicationBuilder, string, Action{PrometheusPushBuilder})"/>, on
    /// any host without the Functions worker (no middleware: invocation metrics need the worker). A second call does nothing.
    /// </summary>
    public static IServiceCollection AddPrometheusPush(
        this IServiceCollection services, string configurationSection, Action<PrometheusPushBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(PushRegistration)))
        {
            Register(services, configurationSection, configure);
        }

        return services;
    }

    /// <summary>As <see cref="AddPrometheusPush(IServiceCollection, string, Action{PrometheusPushBuilder})"/>, pushing a dedicated registry.</summary>
    public static IServiceCollection AddPrometheusPush(this IServiceCollection services, string configurationSection) =>
        services.AddPrometheusPush(configurationSection, _ => { });

    private static PushRegistration Register(IServiceCollection services, string configurationSection, Action<PrometheusPushBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new PrometheusPushBuilder();
        configure(builder);
        var section = new PushSection(configurationSection);
        var registration = new PushRegistration(builder.Registry, section, FunctionsEnvironment.Process, builder.InvocationFunctions, builder.SeriesCallbacks, builder.Meters)
        {
            UnpushedRegistry = builder.UnpushedRegistry,
        };

        services.AddSingleton(registration);
        services.AddSingleton(registration.Registry);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PushOptions>().Configure<IConfiguration>((o, c) => SettingsBinder.Bind(c, section, o)).ValidateOnStart();
        services.AddOptions<GroupJanitorOptions>().Configure<IConfiguration>((o, c) => SettingsBinder.Bind(c, section, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushOptions>>(new PushOptionsValidator(section, registration.Environment));
        services.AddSingleton<IValidateOptions<GroupJanitorOptions>>(new GroupJanitorOptionsValidator(section));
        services.AddSingleton(new PushHealthMetrics(registration.Registry));

        // Request logging is off: it would log every push, and the URL is all it could add.
        services.AddHttpClient(PushHttp.PushClientName)
            .ConfigureHttpClient((sp, client) => PushHttp.Configure(client, sp.GetRequiredService<IOptions<PushOptions>>().Value, forPush: true))
            .AddHttpMessageHandler(sp => new PushTelemetryHandler(sp.GetRequiredService<PushHealthMetrics>(), sp.GetRequiredService<TimeProvider>()))
            .RemoveAllLoggers();
        services.AddHttpClient(PushHttp.ApiClientName)
            .ConfigureHttpClient((sp, client) => PushHttp.Configure(client, sp.GetRequiredService<IOptions<PushOptions>>().Value, forPush: false))
            .RemoveAllLoggers();

        services.AddSingleton(sp => new PushgatewayPusher(
            registration, sp, sp.GetRequiredService<PushHealthMetrics>(), sp.GetRequiredService<IOptions<PushOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PushgatewayPusher>>(), sp.GetRequiredService<IHttpClientFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<PushgatewayPusher>());
        services.AddSingleton(sp => new PushGroupJanitor(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<PushgatewayPusher>(), registration,
            sp.GetRequiredService<IOptions<PushOptions>>(), sp.GetRequiredService<IOptions<GroupJanitorOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PushGroupJanitor>>()));
        if (registration.InvocationFunctions is not null)
        {
            services.AddSingleton(new InvocationMetrics(registration.Registry));
            services.AddSingleton(sp => new InvocationRecorder(
                sp.GetRequiredService<InvocationMetrics>(), sp.GetRequiredService<PushgatewayPusher>(), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<InvocationMiddleware>();
        }

        return registration;
    }
}
