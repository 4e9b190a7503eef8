using EdgePali.Quantize.Builders;
using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>Runs a built package's three ONNX files with ONNX Runtime (OrtValue API), as the engine does.</summary>
internal sealed class PackageRunner : IDisposable
{
    private readonly InferenceSession _vision;
    private readonly InferenceSession _embed;
    private readonly InferenceSession _decoder;
    private readonly RunOptions _runOptions = new();

    public PackageRunner(string packageDir, WeightFormat format)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 2 };
        _vision = new InferenceSession(Path.Combine(packageDir, PackageFiles.GraphPath(ModelPart.VisionEncoder, format.Variant())), options);
        _embed = new InferenceSession(Path.Combine(packageDir, PackageFiles.GraphPath(ModelPart.EmbedTokens, format.Variant())), options);
        _decoder = new InferenceSession(Path.Combine(packageDir, PackageFiles.GraphPath(ModelPart.Decoder, format.Variant())), options);
        Layers = _decoder.InputNames.Count(n => n.EndsWith(".key", StringComparison.Ordinal));
    }

    public int Layers { get; }

    public float[] ImageFeatures(float[] pixels, int imageSize)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, imageSize, imageSize]);
        using var outputs = _vision.Run(_runOptions, ["pixel_values"], [input], ["image_features"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public float[] Embed(long[] ids)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var outputs = _embed.Run(_runOptions, ["input_ids"], [input], ["inputs_embeds"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Embeddings of a prompt with the image placeholder rows replaced by image features, as transformers.js merges them.</summary>
    public float[] PromptEmbeddings(long[] ids, float[] imageFeatures, int hidden, int imageToken)
    {
        var embeds = Embed(ids);
        var next = 0;
        for (var t = 0; t < ids.Length; t++)
        {
            if (ids[t] != imageToken)
                continue;
            imageFeatures.AsSpan(next * hidden, hidden).CopyTo(embeds.AsSpan(t * hidden, hidden));
            next++;
        }

        return embeds;
    }

    /// <summary>One decoder call: returns logits [T, V] and replaces <paramref name="cache"/> with the present tensors.</summary>
    public float[] Decode(float[] embeds, long[] positions, KvState cache)
    {
        var t = positions.Length;
        var names = new List<string> { "inputs_embeds", "position_ids" };
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(embeds, [1, t, embeds.Length / t]),
            OrtValue.CreateTensorValueFromMemory(positions, [1, t]),
        };
        for (var i = 0; i < Layers; i++)
        {
            names.Add($"past_key_values.{i}.key");
            values.Add(OrtValue.CreateTensorValueFromMemory(cache.Keys[i], [1, cache.KvHeads, cache.Length, cache.HeadDim]));
            names.Add($"past_key_values.{i}.value");
            values.Add(OrtValue.CreateTensorValueFromMemory(cache.Values[i], [1, cache.KvHeads, cache.Length, cache.HeadDim]));
        }

        var outputNames = new List<string> { "logits" };
        for (var i = 0; i < Layers; i++)
        {
            outputNames.Add($"present.{i}.key");
            outputNames.Add($"present.{i}.value");
        }

        try
        {
            using var outputs = _decoder.Run(_runOptions, names, values, outputNames);
            for (var i = 0; i < Layers; i++)
            {
                cache.Keys[i] = outputs[1 + (2 * i)].GetTensorDataAsSpan<float>().ToArray();
                cache.Values[i] = outputs[2 + (2 * i)].GetTensorDataAsSpan<float>().ToArray();
            }

            cache.Length += t;
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values)
                v.Dispose();
        }
    }

    public void Dispose()
    {
        _vision.Dispose();
        _embed.Dispose();
        _decoder.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>The KV cache between decoder calls, [1, kv, length, head_dim] per layer.</summary>
internal sealed class KvState(int layers, int kvHeads, int headDim)
{
    public int KvHeads { get; } = kvHeads;

    public int HeadDim { get; } = headDim;

    public int Length { get; set; }

    public float[][] Keys { get; } = Enumerable.Range(0, layers).Select(_ => Array.Empty<float>()).ToArray();

    public float[][] Values { get; } = Enumerable.Range(0, layers).Select(_ => Array.Empty<float>()).ToArray();
}
