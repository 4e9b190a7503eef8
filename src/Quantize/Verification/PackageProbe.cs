using System.Diagnostics;
using EdgePali.Vision;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePali.Quantize.Verification;

/// <summary>
/// One package loaded through the engine (<see cref="PaliGemmaModel.Load"/>: the same sessions, providers and
/// signature checks as serving), run step by step so `verify` can see what generation hides: the image features,
/// the prompt logits the package gives (every position, or the last with last-position packages), and the logits of each decode step when the tokens are forced.
/// </summary>
internal sealed class PackageProbe : IDisposable
{
    private readonly PaliGemmaModel _model;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _decoderInputNames;
    private readonly string[] _decoderOutputNames;
    private readonly List<OrtValue> _past = [];

    public PackageProbe(string directory, string? variant)
    {
        Package = ModelPackage.Open(directory, variant);
        _model = PaliGemmaModel.Load(Package, new SessionFactory(new ExecutionProviderOptions(), NullLogger.Instance), NullLogger.Instance, CancellationToken.None);
        var layers = Package.Config.Text.LayerCount;
        _decoderInputNames = [GraphTensorNames.InputsEmbeds, GraphTensorNames.PositionIds, .. Enumerable.Range(0, layers).SelectMany(i => new[] { GraphTensorNames.PastKey(i), GraphTensorNames.PastValue(i) })];
        _decoderOutputNames = [GraphTensorNames.Logits, .. Enumerable.Range(0, layers).SelectMany(i => new[] { GraphTensorNames.PresentKey(i), GraphTensorNames.PresentValue(i) })];
    }

    public ModelPackage Package { get; }

    public PaliGemmaConfig Config => Package.Config;

    public StageTimer VisionTime { get; } = new();

    public StageTimer PrefillTime { get; } = new();

    public StageTimer DecodeTime { get; } = new();

    public float[] EncodeImage(float[] pixels)
    {
        var s = Config.Vision.ImageSize;
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, s, s]);
        var start = Stopwatch.GetTimestamp();
        using var outputs = _model.VisionEncoder.Session.Run(_runOptions, [GraphTensorNames.PixelValues], [input], [GraphTensorNames.ImageFeatures]);
        VisionTime.Add(start, 1);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Runs the prompt from an empty cache; returns the logits the decoder gives: every prompt position [T, V], or
    /// only the last one [1, V] for packages built with last-position logits (the default).
    /// </summary>
    public float[] Prefill(int[] promptIds, float[] imageFeatures)
    {
        var t = promptIds.Length;
        var d = Config.Text.HiddenSize;
        var ids = promptIds.Select(i => (long)i).ToArray();
        float[] embeds;
        using (var idValue = OrtValue.CreateTensorValueFromMemory(ids, [1, t]))
        using (var embedOut = _model.EmbedTokens.Session.Run(_runOptions, [GraphTensorNames.InputIds], [idValue], [GraphTensorNames.InputsEmbeds]))
            embeds = embedOut[0].GetTensorDataAsSpan<float>().ToArray();
        var row = 0;
        for (var i = 0; i < t; i++)
        {
            if (promptIds[i] == Config.ImageTokenId)
                imageFeatures.AsSpan(row++ * d, d).CopyTo(embeds.AsSpan(i * d, d));
        }

        ResetCache();
        var start = Stopwatch.GetTimestamp();
        var logits = Decode(embeds, Enumerable.Range(1, t).Select(p => (long)p).ToArray());
        PrefillTime.Add(start, 1);
        return logits;
    }

    /// <summary>Feeds one token after a prefill; returns the next-token logits [V].</summary>
    public float[] Step(int token, int position)
    {
        float[] embeds;
        using (var idValue = OrtValue.CreateTensorValueFromMemory(new long[] { token }, [1, 1]))
        using (var embedOut = _model.EmbedTokens.Session.Run(_runOptions, [GraphTensorNames.InputIds], [idValue], [GraphTensorNames.InputsEmbeds]))
            embeds = embedOut[0].GetTensorDataAsSpan<float>().ToArray();
        var start = Stopwatch.GetTimestamp();
        var logits = Decode(embeds, [position]);
        DecodeTime.Add(start, 1);
        return logits;
    }

    /// <summary>Greedy id over generable tokens (the padded rows and &lt;image&gt; never win, as in the engine).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        var limit = Math.Min(logits.Length, PaliGemmaTokens.FirstNonGenerable);
        var best = 0;
        for (var i = 1; i < limit; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }

        return best;
    }

    public bool IsEos(int id) => Config.EosTokenIds.Contains(id);

    private float[] Decode(float[] embeds, long[] positions)
    {
        var t = positions.Length;
        var inputs = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(embeds, [1, t, Config.Text.HiddenSize]),
            OrtValue.CreateTensorValueFromMemory(positions, [1, t]),
        };
        try
        {
            inputs.AddRange(_past);
            var outputs = _model.Decoder.Session.Run(_runOptions, _decoderInputNames, inputs, _decoderOutputNames);
            float[] logits;
            using (var l = outputs[0])
                logits = l.GetTensorDataAsSpan<float>().ToArray();
            DisposePast();
            _past.AddRange(outputs.Skip(1));
            return logits;
        }
        finally
        {
            inputs[0].Dispose();
            inputs[1].Dispose();
        }
    }

    /// <summary>Starts from zero-length past tensors [1, kv, 0, head_dim], as the engine does.</summary>
    private void ResetCache()
    {
        DisposePast();
        long[] shape = [1, Config.Text.KeyValueHeads, 0, Config.Text.HeadDim];
        for (var i = 0; i < 2 * Config.Text.LayerCount; i++)
            _past.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape));
    }

    private void DisposePast()
    {
        foreach (var v in _past)
            v.Dispose();
        _past.Clear();
    }

    public void Dispose()
    {
        DisposePast();
        _model.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>Total milliseconds and count of one stage, for mean timings.</summary>
internal sealed class StageTimer
{
    public double TotalMs { get; private set; }

    public int Count { get; private set; }

    public double MeanMs => Count == 0 ? 0 : TotalMs / Count;

    public void Add(long startTimestamp, int count)
    {
        TotalMs += Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        Count += count;
    }
}
