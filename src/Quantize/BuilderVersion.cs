using System.Reflection;

namespace EdgePali.Quantize;

/// <summary>The tool's version, recorded in every model it writes so a package says what built it.</summary>
public static class BuilderVersion
{
    /// <summary>The tool's name as edgepali.json records it.</summary>
    public const string Builder = "edgepali-quantize";

    /// <summary>The informational version of this build.</summary>
    public static string Value { get; } =
        typeof(BuilderVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
