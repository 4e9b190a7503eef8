using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePali.Vision.Tests.Conformance;

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
        var start = new ProcessStartInfo("node", ["paligemma-generate-batch.mjs", casesFile])
        {
            WorkingDirectory = TestPaths.Conformance,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"transformers.js reference failed (exit {process.ExitCode}): {await stderr}");
        }

        return JsonSerializer.Deserialize<ReferenceGeneration[]>(await stdout)
               ?? throw new InvalidOperationException("transformers.js reference printed nothing.");
    }
}
