namespace EdgePali.Vision;

/// <summary>
/// Token ids PaliGemma adds to the 256000-piece Gemma vocabulary (big_vision; HF processor).
/// Layout: 1024 location tokens, then 128 segmentation tokens, then the image placeholder.
/// </summary>
public static class PaliGemmaTokens
{
    public const int Pad = 0;
    public const int Eos = 1;
    public const int Bos = 2;
    public const int Newline = 108;
    public const int FirstLocation = 256000;
    public const int LocationCount = 1024;
    public const int FirstSegment = FirstLocation + LocationCount;
    public const int SegmentCount = 128;
    public const int Image = FirstSegment + SegmentCount;

    /// <summary>Ids at or above this are the image placeholder or padded, randomly initialised rows: never generated.</summary>
    public const int FirstNonGenerable = Image;

    public static bool IsLocation(int id) => id is >= FirstLocation and < FirstLocation + LocationCount;

    public static bool IsSegment(int id) => id is >= FirstSegment and < FirstSegment + SegmentCount;
}
