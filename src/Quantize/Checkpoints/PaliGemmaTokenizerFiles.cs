using System.Text.Json;
using System.Text.Json.Nodes;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Turns the Gemma tokenizer into the PaliGemma one: PaliGemma's vocabulary adds &lt;loc0000&gt;..&lt;loc1023&gt;
/// (256000..), &lt;seg000&gt;..&lt;seg127&gt; (257024..) and the &lt;image&gt; placeholder (257152), as the
/// PaliGemma checkpoints' tokenizer.json has them. The 17 MB file is rewritten token by token (streaming), not
/// parsed into a DOM.
/// </summary>
public static class PaliGemmaTokenizerFiles
{
    public const int FirstLocation = 256000;
    public const int ImageTokenId = 257152;

    public static IEnumerable<(int Id, string Content, bool Special)> ExtraTokens()
    {
        for (var i = 0; i < 1024; i++)
            yield return (FirstLocation + i, $"<loc{i:D4}>", false);
        for (var i = 0; i < 128; i++)
            yield return (FirstLocation + 1024 + i, $"<seg{i:D3}>", false);
        yield return (ImageTokenId, "<image>", true);
    }

    /// <summary>Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into <paramref name="outDir"/>.</summary>
    public static void Write(string gemmaTokenizerJson, string outDir, int imageSeqLength)
    {
        if (!File.Exists(gemmaTokenizerJson))
            throw new CheckpointException($"Tokenizer file '{gemmaTokenizerJson}' does not exist.");
        var source = File.ReadAllBytes(gemmaTokenizerJson);
        using (var output = File.Create(Path.Combine(outDir, PackageFiles.Tokenizer)))
            AddPaliGemmaTokens(source, output);

        var config = new JsonObject
        {
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["bos_token"] = "<bos>",
            ["eos_token"] = "<eos>",
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
            ["additional_special_tokens"] = new JsonArray("<image>"),
            ["clean_up_tokenization_spaces"] = false,
            ["model_max_length"] = 1000000000000000019884624838656.0,
            ["padding_side"] = "left",
            ["processor_class"] = "PaliGemmaProcessor",
            ["spaces_between_special_tokens"] = false,
            ["tokenizer_class"] = "GemmaTokenizer",
            ["image_seq_length"] = imageSeqLength,
        };
        File.WriteAllText(Path.Combine(outDir, PackageFiles.TokenizerConfig), config.ToJsonString(PaliGemmaConfigWriter.JsonOptions));
        var map = new JsonObject
        {
            ["bos_token"] = "<bos>",
            ["eos_token"] = "<eos>",
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
            ["additional_special_tokens"] = new JsonArray("<image>"),
        };
        File.WriteAllText(Path.Combine(outDir, PackageFiles.SpecialTokensMap), map.ToJsonString(PaliGemmaConfigWriter.JsonOptions));
    }

    private static void AddPaliGemmaTokens(byte[] source, Stream output)
    {
        var reader = new Utf8JsonReader(source, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        using var writer = new Utf8JsonWriter(output);
        var path = new Stack<string>();
        string? pendingProperty = null;
        var sawVocab = false;
        var sawAddedTokens = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingProperty = reader.GetString()!;
                    writer.WritePropertyName(pendingProperty);
                    if (pendingProperty == "post_processor" && path.Count == 1)
                    {
                        // PaliGemma prompts carry their own <bos> after the image tokens ("<image>"*N + "<bos>" + prefix + "\n"),
                        // so the tokenizer must not prepend another one (HF: [257152]*256 + [2, 108] for an empty prefix).
                        reader.Read();
                        reader.Skip();
                        writer.WriteNullValue();
                        pendingProperty = null;
                    }

                    continue;
                case JsonTokenType.StartObject:
                    path.Push(pendingProperty ?? "");
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.StartArray:
                    path.Push(pendingProperty ?? "");
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndObject:
                    {
                        var name = path.Pop();
                        if (name == "vocab" && path.Count == 2 && path.Peek() == "model")
                        {
                            foreach (var (id, content, _) in ExtraTokens())
                                writer.WriteNumber(content, id);
                            sawVocab = true;
                        }

                        writer.WriteEndObject();
                        break;
                    }

                case JsonTokenType.EndArray:
                    {
                        var name = path.Pop();
                        if (name == "added_tokens" && path.Count == 1)
                        {
                            foreach (var (id, content, special) in ExtraTokens())
                                WriteAddedToken(writer, id, content, special);
                            sawAddedTokens = true;
                        }

                        writer.WriteEndArray();
                        break;
                    }

                case JsonTokenType.String:
                    writer.WriteStringValue(reader.GetString());
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                case JsonTokenType.False:
                    writer.WriteBooleanValue(reader.GetBoolean());
                    break;
                case JsonTokenType.Null:
                    writer.WriteNullValue();
                    break;
                default:
                    break;
            }

            pendingProperty = null;
        }

        if (!sawVocab || !sawAddedTokens)
            throw new CheckpointException("The tokenizer.json given is not a Hugging Face BPE tokenizer with model.vocab and added_tokens (expected the Gemma tokenizer).");
    }

    private static void WriteAddedToken(Utf8JsonWriter writer, int id, string content, bool special)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", id);
        writer.WriteString("content", content);
        writer.WriteBoolean("single_word", false);
        writer.WriteBoolean("lstrip", false);
        writer.WriteBoolean("rstrip", false);
        writer.WriteBoolean("normalized", false);
        writer.WriteBoolean("special", special);
        writer.WriteEndObject();
    }
}
