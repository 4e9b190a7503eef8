using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace EdgePali.Vision.Tests.Tokenization;

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

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ConformancePaths.ConformanceDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(ConformancePaths.TokenizerScript);
        start.ArgumentList.Add(tokenizerJson);
        if (tokenizerConfig is not null)
            start.ArgumentList.Add(tokenizerConfig);

        using var node = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using (var input = new StreamWriter(node.StandardInput.BaseStream, new UTF8Encoding(false)))
            input.Write(requests.ToString());
        if (!node.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException("transformers.js tokenizer reference did not finish in 2 minutes");
        }

        if (node.ExitCode != 0)
            throw new InvalidOperationException($"transformers.js tokenizer reference failed ({node.ExitCode}): {error.Result}");

        var answers = new List<ReferenceAnswer>();
        foreach (var line in output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
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
