using System.Reflection;
using Xunit;

namespace EdgePali.Testing;

/// <summary>
/// The <c>Kind</c> trait every test class carries, so a run can pick them: <c>./test.sh --filter Kind=Unit</c>.
/// </summary>
public static class TestKinds
{
    /// <summary>The trait name.</summary>
    public const string Trait = "Kind";

    /// <summary>Pure in-process: no child processes, brokers, network or ONNX sessions on built files.</summary>
    public const string Unit = "Unit";

    /// <summary>Real parts together: child processes, a mosquitto broker, sockets, ONNX Runtime sessions on built packages.</summary>
    public const string Integration = "Integration";

    /// <summary>Compares against a reference implementation (transformers.js, Pillow, numpy, the Gemma tokenizer).</summary>
    public const string Conformance = "Conformance";

    /// <summary>Every known Kind value.</summary>
    public static readonly IReadOnlyList<string> All = [Unit, Integration, Conformance];

    /// <summary>
    /// The test classes of <paramref name="testAssembly"/> (classes with a [Fact] or [Theory] method) that do not carry
    /// exactly one Kind trait with one of the known values, each with what is wrong.
    /// </summary>
    public static IReadOnlyList<string> ClassesWithoutOneKind(Assembly testAssembly)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        return ClassesWithoutOneKind(testAssembly.GetTypes());
    }

    /// <summary>As <see cref="ClassesWithoutOneKind(Assembly)"/>, for the given types only.</summary>
    public static IReadOnlyList<string> ClassesWithoutOneKind(IEnumerable<Type> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var problems = new List<string>();
        foreach (var type in types.Where(IsTestClass).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var kinds = KindsOf(type);
            if (kinds.Count != 1)
            {
                problems.Add($"{type.FullName}: {kinds.Count} Kind traits (needs exactly one of {string.Join(", ", All)})");
            }
            else if (!All.Contains(kinds[0]))
            {
                problems.Add($"{type.FullName}: Kind '{kinds[0]}' is not one of {string.Join(", ", All)}");
            }
        }

        return problems;
    }

    // xunit runs only public (visible) classes, so a private nested class is not a test class.
    private static bool IsTestClass(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsVisible: true } &&
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());

    // TraitAttribute keeps its name and value only as constructor arguments, so they are read from the attribute
    // data, on the class and its base classes (xunit applies inherited traits).
    private static List<string?> KindsOf(Type type)
    {
        var kinds = new List<string?>();
        for (var t = type; t is not null; t = t.BaseType)
        {
            kinds.AddRange(t.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments.Count == 2
                            && Equals(a.ConstructorArguments[0].Value, Trait))
                .Select(a => a.ConstructorArguments[1].Value as string));
        }

        return kinds;
    }
}
