using System.Reflection;

namespace EdgePali.Quantize;

/// <summary>The tool's version, recorded in every model it writes so a package says what built it.</summary>
public static class BuilderVersion
{
    public static string Value { get; } =
        typeof(BuilderVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
