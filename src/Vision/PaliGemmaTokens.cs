namespace EdgePali.Vision;

/// <summary>
/// Token ids PaliGemma adds to the 256000-piece Gemma vocabulary (big_vision; HF processor).
/// Layout: 1024 location tokens, then 128 segmentation tokens, then the image placeholder.
/// </summary>
public static class PaliGemmaTokens
{
    /// <summary>Padding id.</summary>
    public const int Pad = 0;

    /// <summary>End of sequence: every PaliGemma answer ends with it.</summary>
    public const int Eos = 1;

    /// <summary>Beginning of sequence: follows the image tokens in every prompt.</summary>
    public const int Bos = 2;

    /// <summary>Gemma 2's &lt;end_of_turn&gt;, a second eos for PaliGemma 2.</summary>
    public const int EndOfTurn = 107;

    /// <summary>"\n": ends every prompt.</summary>
    public const int Newline = 108;

    /// <summary>&lt;loc0000&gt;, the first of the location tokens that write box corners.</summary>
    public const int FirstLocation = 256000;

    /// <summary>Location tokens &lt;loc0000&gt;..&lt;loc1023&gt;.</summary>
    public const int LocationCount = 1024;

    /// <summary>&lt;seg000&gt;, the first of the segmentation codes.</summary>
    public const int FirstSegment = FirstLocation + LocationCount;

    /// <summary>Segmentation codes &lt;seg000&gt;..&lt;seg127&gt;.</summary>
    public const int SegmentCount = 128;

    /// <summary>The &lt;image&gt; placeholder the image features replace.</summary>
    public const int Image = FirstSegment + SegmentCount;

    /// <summary>
    /// Rows of every published PaliGemma embedding table and logits per position: the 257152 real ids padded
    /// to a multiple of 64 by transformers. The default of text_config.vocab_size.
    /// </summary>
    public const int PaddedVocabularySize = 257216;

    /// <summary>Ids at or above this are the image placeholder or padded, randomly initialised rows: never generated.</summary>
    public const int FirstNonGenerable = Image;

    /// <summary>Whether <paramref name="id"/> is a &lt;locNNNN&gt; token.</summary>
    public static bool IsLocation(int id) => id is >= FirstLocation and < FirstLocation + LocationCount;

    /// <summary>Whether <paramref name="id"/> is a &lt;segNNN&gt; token.</summary>
    public static bool IsSegment(int id) => id is >= FirstSegment and < FirstSegment + SegmentCount;
}
