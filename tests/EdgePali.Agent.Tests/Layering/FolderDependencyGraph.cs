using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace EdgePali.Agent.Tests.Layering;

/// <summary>
/// Which Agent folder uses which, read by reflection from the Agent assembly: a type's folder is its namespace below
/// EdgePali.Agent (namespaces follow folders), and a type uses every type in its base type, interfaces, fields,
/// properties, events, constructor and method signatures (generic arguments included) and every type, method or field
/// its method bodies name (read from their IL), so a call such as services.AddEdgePaliMqtt() counts too.
/// </summary>
internal static class FolderDependencyGraph
{
    private const string Root = "EdgePali.Agent";
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Folder -> folders it uses (itself excluded). <paramref name="depth"/> 1 groups by top-level folder
    /// (Mqtt), 2 also splits sub-folders (Mqtt.Queue).</summary>
    public static Dictionary<string, SortedSet<string>> Build(Assembly assembly, int depth)
    {
        var graph = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (Folder(type, depth) is not { } from)
                continue;
            if (!graph.TryGetValue(from, out var uses))
                graph[from] = uses = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var used in UsedTypes(type))
            {
                if (Folder(used, depth) is { } to && to != from)
                    uses.Add(to);
            }
        }

        return graph;
    }

    /// <summary>One cycle as a path that starts and ends at the same folder, or null when the graph has none.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, SortedSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the current path, 2 done
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
                return cycle;
        }

        return null;

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2)
                return null;
            if (state.GetValueOrDefault(node) == 1)
                return [.. path.Skip(path.IndexOf(node)), node];
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (Visit(next) is { } cycle)
                    return cycle;
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    private static string? Folder(Type type, int depth)
    {
        while (type.IsNested)
            type = type.DeclaringType!;
        var ns = type.Namespace;
        if (ns is null || !ns.StartsWith(Root + ".", StringComparison.Ordinal))
            return null;
        var parts = ns[(Root.Length + 1)..].Split('.');
        return string.Join('.', parts.Take(depth));
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        var direct = new List<Type?> { type.BaseType };
        direct.AddRange(type.GetInterfaces());
        direct.AddRange(type.GetFields(Members).Select(f => f.FieldType));
        direct.AddRange(type.GetProperties(Members).Select(p => p.PropertyType));
        direct.AddRange(type.GetEvents(Members).Select(e => e.EventHandlerType));
        foreach (var method in type.GetMethods(Members).Cast<MethodBase>().Concat(type.GetConstructors(Members)))
        {
            if (method is MethodInfo info)
                direct.Add(info.ReturnType);
            direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
            direct.AddRange(TypesInBody(method));
        }

        return direct.OfType<Type>().SelectMany(Expand);
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The declaring types of the members and the types a method body names: walks the IL one instruction at
    /// a time and resolves every metadata token operand.</summary>
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            yield break;
        var genericTypes = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var genericMethods = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member;
                    try
                    {
                        member = method.Module.ResolveMember(token, genericTypes, genericMethods);
                    }
                    catch (ArgumentException)
                    {
                        member = null; // a token inside a generic context it cannot resolve alone
                    }

                    if (member is Type type)
                        yield return type;
                    else if (member?.DeclaringType is { } declaring)
                        yield return declaring;
                    break;
            }

            i += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
        }
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType)
            return Expand(type.GetElementType()!);
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            return type.GetGenericArguments().SelectMany(Expand).Append(type.GetGenericTypeDefinition());
        return [type];
    }
}
