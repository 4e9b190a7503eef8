using System.Text.Json;
using Json.Schema;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>The JSON Schemas in schemas/ (the documented contract), loaded once with their cross-references.</summary>
internal static class Schemas
{
    private static readonly Lazy<Dictionary<string, JsonSchema>> All = new(Load);

    public static string Directory => RepositoryPaths.Schemas;

    /// <summary>Null when <paramref name="json"/> satisfies schemas/<paramref name="name"/>.json, else the errors.</summary>
    public static string? Validate(string name, string json)
    {
        using var document = JsonDocument.Parse(json);
        var results = All.Value[name].Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        var errors = (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        return $"{name}: {string.Join("; ", errors)} in {json[..Math.Min(json.Length, 400)]}";
    }

    public static void AssertValid(string name, string json) => Assert.Null(Validate(name, json));

    private static Dictionary<string, JsonSchema> Load()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);

        // Referenced schemas first.
        foreach (var name in new[] { "error", "result", "state", "set-reply", "ask-reply", "ask", "set", "counts", "event", "stats", "discovery" })
        {
            var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Directory, name + ".json")), options);
            options.SchemaRegistry.Register(schema);
            schemas[name] = schema;
        }

        return schemas;
    }
}
