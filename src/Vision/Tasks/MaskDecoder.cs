using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePali.Vision.Tasks;

/// <summary>
/// Turns the 16 segmentation codes of a segment answer into a pixel mask over the object's box, with the
/// package's <c>onnx/vae_decoder.onnx</c> (built by <c>edgepali-quantize build-vae</c>):
/// codes -> 64x64 mask in about [-1, 1] -> bilinear resize to the box -> threshold &gt; 0 (big_vision's
/// segmentation evaluator). The box in pixels is big_vision's too: int(location / 1023 * frame size).
/// One decoder is shared; calls are serialised and reuse one pair of input/output tensors.
/// </summary>
public sealed class MaskDecoder : IDisposable
{
    /// <summary>For <see cref="AnalysisResult.Note"/> when a segment answer has codes but the package has no decoder.</summary>
    public const string MissingDecoderNote =
        "Segmentation codes present but the model package has no onnx/vae_decoder.onnx: objects carry boxes and " +
        "codes only. Build one with `edgepali-quantize build-vae --npz vae-oid.npz --out MODEL/onnx/vae_decoder.onnx`.";

    /// <summary>The decoder graph's input: int64 [objects, 16] segmentation codes.</summary>
    public const string InputName = "codebook_indices";
    /// <summary>The decoder graph's output: float [objects, 64, 64] in -1..1 (big_vision's VQ-VAE).</summary>
    public const string OutputName = "masks";
    /// <summary>Side of the decoded mask before it is resized to its box.</summary>
    public const int MaskSize = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly long[] _codes = new long[DetectionParser.SegmentCodeCount];
    private readonly float[] _mask = new float[MaskSize * MaskSize];
    private readonly OrtValue _codesValue;
    private readonly OrtValue _maskValue;
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;
    private readonly string[] _inputNames = [InputName];
    private readonly string[] _outputNames = [OutputName];
    private readonly Lock _gate = new();

    private MaskDecoder(InferenceSession session)
    {
        _session = session;
        _codesValue = OrtValue.CreateTensorValueFromMemory(_codes, [1, DetectionParser.SegmentCodeCount]);
        _maskValue = OrtValue.CreateTensorValueFromMemory(_mask, [1, MaskSize, MaskSize]);
        _inputValues = [_codesValue];
        _outputValues = [_maskValue];
    }

    /// <summary>Loads and checks a decoder graph. <paramref name="options"/> are used, not owned (CPU by default).</summary>
    /// <exception cref="ModelPackageException">The file is missing, not loadable, or has other inputs/outputs.</exception>
    public static MaskDecoder Open(string onnxPath, SessionOptions? options = null)
    {
        if (!File.Exists(onnxPath))
            throw new ModelPackageException($"Mask decoder '{onnxPath}' not found. Build it with `edgepali-quantize build-vae`.");

        InferenceSession session;
        try
        {
            session = options is null ? new InferenceSession(onnxPath) : new InferenceSession(onnxPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageException($"Mask decoder '{onnxPath}' cannot be loaded (corrupt or not ONNX): {e.Message}. Rebuild it with `edgepali-quantize build-vae`.", e);
        }

        try
        {
            Expect(onnxPath, session.InputMetadata, InputName, TensorElementType.Int64, [-1, DetectionParser.SegmentCodeCount]);
            Expect(onnxPath, session.OutputMetadata, OutputName, TensorElementType.Float, [-1, MaskSize, MaskSize]);
            return new MaskDecoder(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Decodes 16 codes (0..127) into a 64x64 row-major mask, values in about [-1, 1], inside where &gt; 0.</summary>
    public void Decode(ReadOnlySpan<int> segmentCodes, Span<float> mask64)
    {
        if (segmentCodes.Length != DetectionParser.SegmentCodeCount)
            throw new ArgumentException($"A mask needs exactly {DetectionParser.SegmentCodeCount} codes, got {segmentCodes.Length}.", nameof(segmentCodes));
        ArgumentOutOfRangeException.ThrowIfLessThan(mask64.Length, MaskSize * MaskSize);
        lock (_gate)
        {
            for (var i = 0; i < _codes.Length; i++)
            {
                var code = segmentCodes[i];
                if (code is < 0 or >= PaliGemmaTokens.SegmentCount)
                    throw new ArgumentOutOfRangeException(nameof(segmentCodes), code, "Segmentation codes are 0..127.");
                _codes[i] = code;
            }

            _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
            _mask.CopyTo(mask64);
        }
    }

    /// <summary>Returns <paramref name="objects"/> with a <see cref="DetectedObject.Mask"/> on each one that has
    /// codes and a box of at least one pixel; the others are returned unchanged.</summary>
    public IReadOnlyList<DetectedObject> AttachMasks(IReadOnlyList<DetectedObject> objects, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var result = new DetectedObject[objects.Count];
        Span<int> objectCodes = stackalloc int[DetectionParser.SegmentCodeCount];
        var decoded = new float[MaskSize * MaskSize];
        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            result[i] = o;
            if (o.SegmentCodes is not { Count: DetectionParser.SegmentCodeCount } segment)
                continue;
            var (left, top, right, bottom) = PixelBox(o.BoxNormalized, frameWidth, frameHeight);
            if (right <= left || bottom <= top)
                continue; // big_vision: "can still happen after int()"

            for (var k = 0; k < objectCodes.Length; k++)
                objectCodes[k] = segment[k];
            Decode(objectCodes, decoded);
            result[i] = o with { Mask = MaskResampler.ToObjectMask(decoded, MaskSize, left, top, right - left, bottom - top) };
        }

        return result;
    }

    /// <summary>big_vision's integer box: int(location / 1023 * size), from the exact location index.</summary>
    internal static (int Left, int Top, int Right, int Bottom) PixelBox(BoxF normalized, int frameWidth, int frameHeight)
    {
        static int Edge(float coordinate, int size)
        {
            var location = Math.Round(coordinate * DetectionParser.LocationScale);
            return (int)Math.Clamp(location / DetectionParser.LocationScale * size, 0, size);
        }

        return (Edge(normalized.XMin, frameWidth), Edge(normalized.YMin, frameHeight),
                Edge(normalized.XMax, frameWidth), Edge(normalized.YMax, frameHeight));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _codesValue.Dispose();
        _maskValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private static void Expect(string path, IReadOnlyDictionary<string, NodeMetadata> metadata, string name, TensorElementType type, int[] shape)
    {
        if (!metadata.TryGetValue(name, out var node))
            throw new ModelPackageException($"Mask decoder '{path}' has no '{name}' ({string.Join(", ", metadata.Keys)} instead); rebuild it with `edgepali-quantize build-vae`.");
        if (node.ElementDataType != type || !node.Dimensions.SequenceEqual(shape))
            throw new ModelPackageException($"Mask decoder '{path}': '{name}' is {node.ElementDataType} [{string.Join(",", node.Dimensions)}], expected {type} [{string.Join(",", shape)}].");
    }
}
