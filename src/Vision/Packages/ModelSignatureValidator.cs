using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static EdgePali.Vision.Packages.GraphTensorNames;

namespace EdgePali.Vision.Packages;

/// <summary>The name, element type and shape of one graph input or output; -1 marks a symbolic dimension.</summary>
internal sealed record TensorSignature(string Name, TensorElementType ElementType, IReadOnlyList<long> Dimensions)
{
    public static IReadOnlyDictionary<string, TensorSignature> FromMetadata(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.Where(kv => kv.Value.IsTensor).ToDictionary(
            kv => kv.Key,
            kv => new TensorSignature(kv.Key, kv.Value.ElementDataType, kv.Value.Dimensions.Select(d => (long)d).ToArray()),
            StringComparer.Ordinal);
}

/// <summary>
/// Checks that each graph's inputs and outputs are the transformers.js PaliGemma ones and agree with
/// config.json (hidden size, key/value heads, head_dim, layer count, image size and image tokens), so a
/// package whose graphs and configuration come from different models is refused at load, not at the
/// first frame. All problems of a graph are reported together.
/// </summary>
internal static class ModelSignatureValidator
{
    /// <summary>Throws <see cref="ModelPackageException"/> listing every mismatch of <paramref name="part"/>'s graph.</summary>
    public static void Validate(
        ModelPart part,
        string fileForMessages,
        PaliGemmaConfig config,
        IReadOnlyDictionary<string, TensorSignature> inputs,
        IReadOnlyDictionary<string, TensorSignature> outputs)
    {
        var problems = new List<string>();
        var check = new Checker(problems, inputs, outputs);
        var d = config.Text.HiddenSize;
        switch (part)
        {
            case ModelPart.VisionEncoder:
                var s = config.Vision.ImageSize;
                check.Only(inputs, [PixelValues], "input");
                check.Tensor(true, PixelValues, TensorElementType.Float, [(1, "batch"), (3, "channels"), (s, "vision_config.image_size"), (s, "vision_config.image_size")]);
                check.Tensor(false, ImageFeatures, TensorElementType.Float, [(1, "batch"), (config.ImageTokenCount, "image tokens ((image_size/patch_size)^2)"), (d, "text_config.hidden_size")]);
                break;
            case ModelPart.EmbedTokens:
                check.Only(inputs, [InputIds], "input");
                check.Tensor(true, InputIds, TensorElementType.Int64, [(1, "batch"), (-1, "sequence")]);
                check.Tensor(false, InputsEmbeds, TensorElementType.Float, [(1, "batch"), (-1, "sequence"), (d, "text_config.hidden_size")]);
                break;
            case ModelPart.Decoder:
                var t = config.Text;
                var expectedInputs = new List<string> { InputsEmbeds, PositionIds };
                check.Tensor(true, InputsEmbeds, TensorElementType.Float, [(1, "batch"), (-1, "sequence"), (d, "text_config.hidden_size")]);
                check.Tensor(true, PositionIds, TensorElementType.Int64, [(1, "batch"), (-1, "sequence")]);
                // [B, T, V] (transformers.js exports) or [B, 1, V] (last position only): generation reads the last row either way.
                check.Tensor(false, Logits, TensorElementType.Float, [(1, "batch"), (-1, "sequence"), (t.VocabSize, "text_config.vocab_size")]);
                (long, string)[] kv = [(1, "batch"), (t.KeyValueHeads, "text_config.num_key_value_heads"), (-1, "past sequence"), (t.HeadDim, "text_config.head_dim")];
                for (var i = 0; i < t.LayerCount; i++)
                {
                    expectedInputs.Add(PastKey(i));
                    expectedInputs.Add(PastValue(i));
                    check.Tensor(true, PastKey(i), TensorElementType.Float, kv);
                    check.Tensor(true, PastValue(i), TensorElementType.Float, kv);
                    check.Tensor(false, PresentKey(i), TensorElementType.Float, kv);
                    check.Tensor(false, PresentValue(i), TensorElementType.Float, kv);
                }

                var graphLayers = inputs.Keys.Count(k => k.StartsWith(GraphTensorNames.PastKeyValuesPrefix, StringComparison.Ordinal) && k.EndsWith(".key", StringComparison.Ordinal));
                if (graphLayers != t.LayerCount)
                {
                    problems.Add($"the graph has {graphLayers} layers of past key/values but config.json text_config.num_hidden_layers is {t.LayerCount}");
                }

                check.Only(inputs, expectedInputs, "input");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(part), part, null);
        }

        if (problems.Count > 0)
        {
            throw new ModelPackageException(
                $"{fileForMessages} does not match the package configuration: {string.Join("; ", problems)}. The graph and config.json come from different models or an unsupported export; rebuild the package with edgepali-quantize build.");
        }
    }

    private sealed class Checker(
        List<string> problems,
        IReadOnlyDictionary<string, TensorSignature> inputs,
        IReadOnlyDictionary<string, TensorSignature> outputs)
    {
        public void Only(IReadOnlyDictionary<string, TensorSignature> actual, List<string> expected, string kind)
        {
            var unknown = actual.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"unexpected {kind}s {string.Join(", ", unknown)} (this engine feeds only {string.Join(", ", expected.Take(4))}{(expected.Count > 4 ? ", ..." : "")})");
            }
        }

        /// <summary>Expected dims: -1 = any; otherwise the graph's dim must be symbolic or equal.</summary>
        public void Tensor(bool isInput, string name, TensorElementType type, (long Size, string Meaning)[] dims)
        {
            var kind = isInput ? "input" : "output";
            if (!(isInput ? inputs : outputs).TryGetValue(name, out var sig))
            {
                problems.Add($"{kind} {name} is missing");
                return;
            }

            if (sig.ElementType != type)
            {
                problems.Add($"{kind} {name} is {sig.ElementType}, expected {type}");
            }

            if (sig.Dimensions.Count != dims.Length)
            {
                problems.Add($"{kind} {name} has rank {sig.Dimensions.Count} [{Format(sig.Dimensions)}], expected rank {dims.Length}");
                return;
            }

            for (var i = 0; i < dims.Length; i++)
            {
                var actual = sig.Dimensions[i];
                var (size, meaning) = dims[i];
                if (size >= 0 && actual >= 0 && actual != size)
                {
                    problems.Add($"{kind} {name} dimension {i} is {actual} but {meaning} is {size}");
                }
            }
        }

        private static string Format(IReadOnlyList<long> dims) => string.Join(",", dims.Select(x => x < 0 ? "?" : x.ToString(CultureInfo.InvariantCulture)));
    }
}
