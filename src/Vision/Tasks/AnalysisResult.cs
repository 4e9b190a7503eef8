namespace EdgePali.Vision.Tasks;

/// <summary>One analysed frame: what was asked, what the model said, and what that means.</summary>
/// <param name="Task">The task that was run.</param>
/// <param name="Text">The decoded output, special tokens such as &lt;loc0123&gt; included (as HF decodes it).</param>
/// <param name="TokenIds">Generated ids, eos excluded.</param>
/// <param name="Objects">Detected or segmented objects parsed from the output (empty for text tasks).</param>
/// <param name="Timings">Where the time went.</param>
/// <param name="Note">Anything the caller should know, e.g. "segmentation codes present but no VAE decoder in the package".</param>
public sealed record AnalysisResult(
    VisionTask Task,
    string Text,
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<DetectedObject> Objects,
    StageTimings Timings,
    string? Note = null);

/// <summary>One object from a detect or segment answer.</summary>
/// <param name="Label">The label text the model wrote after the location tokens.</param>
/// <param name="Score">Confidence in 0..1 from the token probabilities (see DetectionParser for the formula).</param>
/// <param name="Box">Pixels of the original frame, [x_min, y_min, x_max, y_max].</param>
/// <param name="BoxNormalized">Same order, 0..1.</param>
/// <param name="SegmentCodes">The 16 &lt;segNNN&gt; codes (0..127) for segment answers, else null.</param>
/// <param name="Mask">Binary mask over the box when a VAE decoder is present, else null.</param>
public sealed record DetectedObject(
    string Label,
    float Score,
    BoxF Box,
    BoxF BoxNormalized,
    IReadOnlyList<int>? SegmentCodes = null,
    ObjectMask? Mask = null);

/// <summary>An axis-aligned box [x_min, y_min, x_max, y_max].</summary>
public readonly record struct BoxF(float XMin, float YMin, float XMax, float YMax)
{
    /// <summary>XMax - XMin.</summary>
    public float Width => XMax - XMin;

    /// <summary>YMax - YMin.</summary>
    public float Height => YMax - YMin;
}

/// <summary>A binary mask in frame pixels: Width x Height bits, row-major, covering the box at (Left, Top).
/// Bits are packed eight to a byte, most significant bit first, rows not padded (numpy.packbits of the
/// flattened mask), so bit n = y * Width + x is <c>Bits[n / 8] &amp; (0x80 &gt;&gt; (n % 8))</c>.</summary>
public sealed record ObjectMask(int Left, int Top, int Width, int Height, byte[] Bits)
{
    /// <summary>Bytes needed for a Width x Height mask.</summary>
    public static int ByteCount(int width, int height) => (int)(((long)width * height + 7) / 8);

    /// <summary>Whether mask pixel (x, y), relative to (Left, Top), is set.</summary>
    public bool IsSet(int x, int y)
    {
        var n = (y * Width) + x;
        return (Bits[n >> 3] & (0x80 >> (n & 7))) != 0;
    }

    /// <summary>Number of set pixels.</summary>
    public int Area
    {
        get
        {
            var count = 0;
            foreach (var b in Bits)
                count += System.Numerics.BitOperations.PopCount(b);
            return count;
        }
    }
}

/// <summary>Milliseconds per stage and token counts, reported with every result.</summary>
public sealed record StageTimings(
    double PreprocessMs,
    double VisionMs,
    double PrefillMs,
    double DecodeMs,
    int PromptTokens,
    int GeneratedTokens)
{
    /// <summary>Mean decode time per generated token: the figure that bounds answer latency on a board.</summary>
    public double DecodeMsPerToken => GeneratedTokens == 0 ? 0 : DecodeMs / GeneratedTokens;

    /// <summary>All stages together.</summary>
    public double TotalMs => PreprocessMs + VisionMs + PrefillMs + DecodeMs;
}
