using System.Text;
using System.Text.Json.Nodes;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// Tiny tokenizer.json files in the Gemma layout that switch on what the real Gemma file leaves off: lstrip/rstrip
/// and normalized added tokens, ignore_merges, no byte fallback with fuse_unk, partial byte fallback, duplicate
/// rules, rules over pieces outside the vocabulary, array-form merges, odd "&lt;0x..&gt;" pieces, clean-up of spaces.
/// Compared with transformers.js like the real one, so these branches are checked against the reference too.
/// </summary>
internal static class SyntheticTokenizers
{
    /// <summary>Alphabet the random texts for the synthetic tokenizers draw from.</summary>
    public static readonly string[] Fragments =
    [
        "a", "b", "c", "d", "e", "n", "w", "y", "o", "r", "k", "x", "z", "q", "s", "t", "m", " ", "  ", "\n", "\t", ".", ",", "'",
        "!", "?", "é", "Z", "🦙", "▁", "[L]", "[R]", "new york", "new  york", "<bos>", "<sep>", "<loc0007>", "<image>", "<0x41>",
    ];

    /// <summary>Variant A: no byte fallback, fuse_unk, ignore_merges, string merges, no tokenizer_config (clean-up on).</summary>
    public static string WriteVariantA(string directory)
    {
        string[] pieces =
        [
            "<pad>", "<eos>", "<bos>", "<unk>", "a", "b", "c", "d", "e", "n", "w", "y", "o", "r", "k", "▁", ".", "'", "s", "t",
            "?", "!", ",", "m", "ab", "abc", "▁a", "ne", "new", "aa", "xyz", "▁▁", "cab", "z", "[L]", "[R]", "new york", "<sep>",
        ];
        string[] merges = ["a b", "ab c", "▁ a", "n e", "ne w", "a a", "x y", "xy z", "q q", "e e", "▁ ▁", "a b", "nomerge", "s t extra"];
        AddedToken[] added =
        [
            new(0, "<pad>", Special: true), new(1, "<eos>", Special: true), new(2, "<bos>", Special: true), new(3, "<unk>", Special: true),
            new(34, "[L]", LStrip: true), new(35, "[R]", Special: true, RStrip: true), new(36, "new york", Normalized: true),
            new(37, "<sep>", Special: true),
        ];
        return Write(directory, "variant-a", pieces, new JsonArray([.. merges.Select(m => (JsonNode)m)]), added,
            byteFallback: false, fuseUnknown: true, ignoreMerges: true, config: null);
    }

    /// <summary>Variant B: byte fallback for ASCII bytes only, no fuse_unk, array merges with a duplicate, odd byte-like
    /// pieces, tokenizer_config with clean-up off and an extra special token.</summary>
    public static (string Tokenizer, string Config) WriteVariantB(string directory)
    {
        var pieces = new List<string> { "<pad>", "<eos>", "<bos>", "<unk>", "a", "b", "c", "n", "e", "w", "▁", "ab", "bc", "abc", "▁a", "<0x 5>", "<0x-1>", "<0x5z>", "<0xzz>", "<0x0x>" };
        for (var b = 0; b < 0x80; b++)
            pieces.Add($"<0x{b:X2}>");
        var merges = new JsonArray(
            new JsonArray("a", "b"), new JsonArray("▁", "a"), new JsonArray("b", "c"), new JsonArray("ab", "c"),
            new JsonArray("a", "b"), new JsonArray("n", "e"), new JsonArray("e", "w"));
        AddedToken[] added =
        [
            new(0, "<pad>", Special: true), new(1, "<eos>", Special: true), new(2, "<bos>", Special: true), new(3, "<unk>", Special: true),
            new(pieces.Count, "[L]"), new(pieces.Count + 1, "new york", Special: true, Normalized: true),
        ];
        var tokenizer = Write(directory, "variant-b", [.. pieces], merges, added, byteFallback: true, fuseUnknown: false, ignoreMerges: false,
            config: """{"clean_up_tokenization_spaces": false, "additional_special_tokens": ["[L]", {"content": "ignored"}]}""");
        return (tokenizer, Path.Combine(directory, "variant-b", "tokenizer_config.json"));
    }

    /// <summary>Random texts over <see cref="Fragments"/>.</summary>
    public static IReadOnlyList<string> RandomTexts(int seed, int count)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            for (var n = random.Next(0, 16); n > 0; n--)
                text.Append(Fragments[random.Next(Fragments.Length)]);
            texts.Add(text.ToString());
        }

        return texts;
    }

    /// <summary>Random id sequences over the first <paramref name="vocabularySize"/> ids plus ids outside.</summary>
    public static IReadOnlyList<int[]> RandomIds(int seed, int count, int vocabularySize)
    {
        var random = new Random(seed);
        var sequences = new List<int[]>(count);
        for (var i = 0; i < count; i++)
        {
            var ids = new int[random.Next(1, 12)];
            for (var j = 0; j < ids.Length; j++)
                ids[j] = random.Next(10) == 0 ? random.Next(vocabularySize, vocabularySize + 10) : random.Next(vocabularySize);
            sequences.Add(ids);
        }

        return sequences;
    }

    private sealed record AddedToken(int Id, string Content, bool Special = false, bool Normalized = false, bool LStrip = false, bool RStrip = false);

    private static string Write(string directory, string name, string[] pieces, JsonArray merges, AddedToken[] added,
        bool byteFallback, bool fuseUnknown, bool ignoreMerges, string? config)
    {
        var vocab = new JsonObject();
        for (var id = 0; id < pieces.Length; id++)
            vocab[pieces[id]] = id;
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray([.. added.Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id, ["content"] = t.Content, ["single_word"] = false, ["lstrip"] = t.LStrip, ["rstrip"] = t.RStrip,
                ["normalized"] = t.Normalized, ["special"] = t.Special,
            })]),
            ["normalizer"] = new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" },
            ["pre_tokenizer"] = null,
            ["post_processor"] = null,
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = "<unk>", ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = fuseUnknown, ["byte_fallback"] = byteFallback,
                ["ignore_merges"] = ignoreMerges, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        var folder = Directory.CreateDirectory(Path.Combine(directory, name)).FullName;
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        if (config is not null)
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config);
        return path;
    }
}
