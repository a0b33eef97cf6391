using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>
/// Binds an options class from the caller's section. A value the binder cannot convert (<c>Format=xml</c>,
/// <c>IntervalSeconds=soon</c>) stops the app at start-up with a message naming the app setting and what it takes,
/// as the validators' messages do, instead of the binder's message in configuration-key form.
/// </summary>
internal static class SettingsBinder
{
    public static void Bind<T>(IConfiguration configuration, PushSection section, T options)
        where T : class
    {
        var values = configuration.GetSection(section.Name);
        try
        {
            values.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            var wrong = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .FirstOrDefault(p => !Converts(values.GetSection(p.Name), p.PropertyType));
            throw wrong is null
                ? ex
                : new InvalidOperationException($"{section.Setting(wrong.Name)} must be {Describe(wrong.PropertyType)}.", ex);
        }
    }

    private static bool Converts(IConfigurationSection value, Type type)
    {
        try
        {
            value.Get(type);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Describe(Type type) =>
        type.IsEnum ? "one of: " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))
        : type == typeof(int) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : "a number";
}
