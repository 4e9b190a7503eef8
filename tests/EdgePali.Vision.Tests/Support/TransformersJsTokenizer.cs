using System.Text;
using System.Text.Json;

namespace EdgePali.Vision.Tests.Support;

/// <summary>What transformers.js answers for one request: ids (for a text), decode, decode skipping specials.</summary>
public sealed record ReferenceAnswer(int[]? Ids, string Decoded, string DecodedSkippingSpecial);

/// <summary>
/// Runs tests/conformance/gemma-tokenizer.mjs (transformers.js's GemmaTokenizer) once for a whole batch of
/// texts and id sequences: Node and the 17 MB tokenizer load once per test run, not per case.
/// </summary>
internal static class TransformersJsTokenizer
{
    public static IReadOnlyList<ReferenceAnswer> Run(IReadOnlyList<string> texts, IReadOnlyList<int[]> idSequences,
        string tokenizerJson, string? tokenizerConfig)
    {
        var requests = new StringBuilder();
        foreach (var text in texts)
            requests.Append(JsonSerializer.Serialize(new { text })).Append('\n');
        foreach (var ids in idSequences)
            requests.Append(JsonSerializer.Serialize(new { ids })).Append('\n');

        string[] arguments = tokenizerConfig is null ? [tokenizerJson] : [tokenizerJson, tokenizerConfig];
        var node = ProcessRunner.RunNodeAsync("gemma-tokenizer.mjs", arguments, TimeSpan.FromMinutes(2), stdin: requests.ToString())
            .GetAwaiter().GetResult()
            .EnsureSuccess("the transformers.js tokenizer reference; ./test.sh installs tests/conformance/node_modules");

        var answers = new List<ReferenceAnswer>();
        foreach (var line in node.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var answer = JsonDocument.Parse(line);
            var root = answer.RootElement;
            var ids = root.TryGetProperty("ids", out var idArray) ? idArray.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
            answers.Add(new ReferenceAnswer(ids, root.GetProperty("decoded").GetString()!, root.GetProperty("decodedSkip").GetString()!));
        }

        if (answers.Count != texts.Count + idSequences.Count)
            throw new InvalidOperationException($"expected {texts.Count + idSequences.Count} answers from transformers.js, got {answers.Count}");
        return answers;
    }
}
