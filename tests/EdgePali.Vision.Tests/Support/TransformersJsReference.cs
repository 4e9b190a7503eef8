using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePali.Vision.Tests.Support;

/// <summary>One generation asked of transformers.js.</summary>
internal sealed record GenerationCase(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("max_new_tokens")] int MaxNewTokens);

/// <summary>What transformers.js produced for a case: the prompt ids and the generated ids (eos included if produced).</summary>
internal sealed record ReferenceGeneration(
    [property: JsonPropertyName("input_ids")] int[] InputIds,
    [property: JsonPropertyName("generated_ids")] int[] GeneratedIds);

/// <summary>Runs tests/conformance/paligemma-generate-batch.mjs (transformers.js 4.3.1, greedy) over a batch of cases in one Node process.</summary>
internal static class TransformersJsReference
{
    public static async Task<IReadOnlyList<ReferenceGeneration>> GenerateAsync(IReadOnlyList<GenerationCase> cases, string scratch)
    {
        var casesFile = Path.Combine(scratch, $"cases-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(casesFile, JsonSerializer.Serialize(cases));
        var node = (await ProcessRunner.RunNodeAsync("paligemma-generate-batch.mjs", [casesFile], TimeSpan.FromMinutes(8)))
            .EnsureSuccess("the transformers.js reference; ./test.sh installs tests/conformance/node_modules");
        return JsonSerializer.Deserialize<ReferenceGeneration[]>(node.Stdout)
               ?? throw new InvalidOperationException("transformers.js reference printed nothing.");
    }
}
