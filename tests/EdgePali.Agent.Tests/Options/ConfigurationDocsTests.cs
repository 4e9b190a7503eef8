using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Options;

/// <summary>docs/configuration.md lists every setting `edgepali run` accepts: a new option cannot ship undocumented.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed partial class ConfigurationDocsTests
{
    [Fact]
    public void EverySetting_IsInConfigurationMd()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "configuration.md"));
        // Every `code span` of the page, split into its key segments: `Cameras:N:Motion:Threshold`, `Tls:Enabled`, `CaFile`...
        var documented = CodeSpan().Matches(CodeBlock().Replace(docs, "")).SelectMany(m => m.Groups[1].Value.Split(':', ',', ' ')).ToHashSet(StringComparer.Ordinal);
        var settings = OptionsSections.Shapes.Where(s => s.Value is not null).SelectMany(s => Leaves(s.Key, s.Value!)).ToList();

        var missing = settings.Where(path => !documented.Contains(path[(path.LastIndexOf(':') + 1)..])).ToList();

        Assert.True(settings.Count > 100, $"only {settings.Count} settings found: the walk is broken");
        Assert.True(missing.Count == 0, "not in docs/configuration.md: " + string.Join(", ", missing));
    }

    private static IEnumerable<string> Leaves(string path, Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan))
        {
            yield return path;
            yield break;
        }

        if (type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        {
            yield return path; // free-form keys (provider options): the dictionary itself is the setting
            yield break;
        }

        if (typeof(IEnumerable).IsAssignableFrom(type) && (type.IsArray || type.GetGenericArguments().Length == 1))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            foreach (var leaf in Leaves(path + ":N", element))
                yield return element == typeof(string) ? path : leaf;
            yield break;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            foreach (var leaf in Leaves($"{path}:{property.Name}", property.PropertyType))
                yield return leaf;
        }
    }

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
