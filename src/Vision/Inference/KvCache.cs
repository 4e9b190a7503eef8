using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The decoder's key/value cache as ORT-owned tensors. Each step the decoder's present.* outputs become
/// the next step's past_key_values.* inputs as they are (ownership moves, nothing is copied) and the
/// previous step's tensors are disposed. A generation starts from zero-length tensors [1, kv, 0, head_dim],
/// which are made once and reused.
/// </summary>
internal sealed class KvCache : IDisposable
{
    private readonly OrtValue[] _empty;
    private readonly OrtValue[] _past;

    public KvCache(TextConfig text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 2 * text.LayerCount;
        InputNames = new string[count];
        OutputNames = new string[count];
        _empty = new OrtValue[count];
        _past = new OrtValue[count];
        long[] shape = [1, text.KeyValueHeads, 0, text.HeadDim];
        for (var layer = 0; layer < text.LayerCount; layer++)
        {
            InputNames[2 * layer] = GraphTensorNames.PastKey(layer);
            InputNames[(2 * layer) + 1] = GraphTensorNames.PastValue(layer);
            OutputNames[2 * layer] = GraphTensorNames.PresentKey(layer);
            OutputNames[(2 * layer) + 1] = GraphTensorNames.PresentValue(layer);
        }

        for (var i = 0; i < count; i++)
        {
            _empty[i] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);
            _past[i] = _empty[i];
        }
    }

    /// <summary>past_key_values.{i}.key, .value, ... in layer order.</summary>
    public string[] InputNames { get; }

    /// <summary>present.{i}.key, .value, ... in the same order.</summary>
    public string[] OutputNames { get; }

    /// <summary>Tokens held (the past sequence length).</summary>
    public int Length { get; private set; }

    /// <summary>Current past tensors, in <see cref="InputNames"/> order.</summary>
    public ReadOnlySpan<OrtValue> Past => _past;

    /// <summary>Drops the cache of the previous generation.</summary>
    public void Reset()
    {
        for (var i = 0; i < _past.Length; i++)
        {
            Release(i);
            _past[i] = _empty[i];
        }

        Length = 0;
    }

    /// <summary>
    /// Takes the present tensors from a decoder run's outputs (starting at <paramref name="offset"/>) as the new
    /// past; the caller must not dispose those outputs. <paramref name="addedTokens"/> is the step's length.
    /// </summary>
    public void Update(IReadOnlyList<OrtValue> outputs, int offset, int addedTokens)
    {
        for (var i = 0; i < _past.Length; i++)
        {
            Release(i);
            _past[i] = outputs[offset + i];
        }

        Length += addedTokens;
    }

    public void Dispose()
    {
        for (var i = 0; i < _past.Length; i++)
        {
            Release(i);
            _empty[i].Dispose();
        }
    }

    private void Release(int i)
    {
        if (!ReferenceEquals(_past[i], _empty[i]))
        {
            _past[i].Dispose();
        }
    }
}
