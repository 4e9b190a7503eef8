using System.Text.Json;

namespace EdgePali.Vision.Tokenization;

/// <summary>The options of tokenizer_config.json that change what transformers.js produces for Gemma.</summary>
internal sealed record TokenizerConfig(bool CleanUpTokenizationSpaces, IReadOnlyList<string> AdditionalSpecialTokens)
{
    /// <summary>transformers.js's defaults when a package has no tokenizer_config.json.</summary>
    public static TokenizerConfig Default { get; } = new(true, []);

    public static TokenizerConfig Read(byte[] json, string fileName)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerLoadException($"{fileName} should hold a JSON object of tokenizer options.");
        foreach (var option in (string[])["remove_space", "do_lowercase_and_remove_accent"])
        {
            if (root.TryGetProperty(option, out var value) && value.ValueKind == JsonValueKind.True)
                throw new TokenizerLoadException($"{fileName} sets {option}, which the Gemma tokenizer never uses and this engine does not implement.");
        }

        var cleanUp = !root.TryGetProperty("clean_up_tokenization_spaces", out var clean) || clean.ValueKind != JsonValueKind.False;
        var additional = new List<string>();
        if (root.TryGetProperty("additional_special_tokens", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            // transformers.js compares token texts with these entries; only plain strings can ever match.
            foreach (var entry in list.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.String)
                    additional.Add(entry.GetString()!);
            }
        }

        return new TokenizerConfig(cleanUp, additional);
    }
}
