using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EdgePali.Agent.Options.Validation;

/// <summary>
/// Checks the shape of the whole configuration before anything is bound: every key must name a setting
/// (a typo such as "Cameras:0:Promt" is rejected with its full path and the nearest known name, instead of
/// being silently ignored), lists must be indexed 0, 1, ..., and values must convert to the setting's type.
/// The binder's own ErrorOnUnknownConfiguration stops at the first problem with a type name in the message;
/// this walk reports every problem by configuration key, as Frigate and ORT GenAI's strict parsers do.
/// </summary>
public static class ConfigurationShape
{
    /// <summary>Every problem found, each naming the key and what to do; empty when the shape is right.</summary>
    /// <param name="configuration">The whole configuration.</param>
    /// <param name="knownSections">The top-level sections and the options type that describes each (null: accepted, not walked).</param>
    public static IReadOnlyList<string> Check(IConfiguration configuration, IReadOnlyDictionary<string, Type?> knownSections)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(knownSections);
        var problems = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (!knownSections.TryGetValue(section.Key, out var type))
            {
                problems.Add(Unknown(section.Path, knownSections.Keys));
                continue;
            }

            if (type is not null)
                CheckNode(section, type, problems);
        }

        return problems;
    }

    private static void CheckNode(IConfigurationSection section, Type type, List<string> problems)
    {
        var children = section.GetChildren().ToList();
        if (IsLeaf(type))
        {
            if (children.Count > 0)
                problems.Add($"{section.Path}: is a single value, not a section (found '{children[0].Path}'). Give it a value, e.g. {section.Path}=...");
            else if (section.Value is { } value && !Converts(value, type))
                problems.Add($"{section.Path}: '{value}' is not {Describe(type)}. Correct the value.");
            return;
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            // Free-form keys (e.g. execution provider options); only their values are checked.
            foreach (var child in children)
                CheckNode(child, valueType, problems);
            return;
        }

        if (ListElementType(type) is { } element)
        {
            if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{section.Path}: expected a list, got the single value '{section.Value}'. In JSON write [ ... ]; in environment variables and on the command line index the items: {section.Path}:0=...");
                return;
            }

            foreach (var child in children)
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    problems.Add($"{child.Path}: list items are numbered 0, 1, ... ('{child.Key}' is not a number). Write {section.Path}:0:..., or a JSON array.");
                else
                    CheckNode(child, element, problems);
            }

            return;
        }

        if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{section.Path}: is a section with settings ({string.Join(", ", Settable(type).Select(p => p.Name))}), not a single value '{section.Value}'.");
            return;
        }

        var properties = Settable(type).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in children)
        {
            if (properties.TryGetValue(child.Key, out var property))
                CheckNode(child, property.PropertyType, problems);
            else
                problems.Add(Unknown(child.Path, properties.Keys));
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[0] == typeof(string) ? dictionary.GetGenericArguments()[1] : null;
    }

    private static Type? ListElementType(Type type)
    {
        if (type.IsArray)
            return type.GetElementType();
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments().Length == 1)
            return type.GetGenericArguments()[0];
        return null;
    }

    private static bool Converts(string value, Type type)
    {
        if (type == typeof(string))
            return true;
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number (with '.' as the decimal point)",
        _ when type == typeof(TimeSpan) => "a time span such as 00:00:30",
        _ => type.Name,
    };

    private static string Unknown(string path, IEnumerable<string> known)
    {
        var leaf = path[(path.LastIndexOf(':') + 1)..];
        var names = known.ToList();
        var nearest = names.MinBy(n => EditDistance(n.ToLowerInvariant(), leaf.ToLowerInvariant()));
        var hint = nearest is not null && EditDistance(nearest.ToLowerInvariant(), leaf.ToLowerInvariant()) <= Math.Max(2, leaf.Length / 3)
            ? $" Did you mean '{nearest}'?"
            : "";
        return $"{path}: unknown setting.{hint} Known here: {string.Join(", ", names)}. Remove it or correct the name (see docs/configuration.md).";
    }

    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
