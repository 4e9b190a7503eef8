using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tasks;

/// <summary>
/// Parses detect and segment answers into objects, straight from the generated token ids.
/// <para>
/// Grammar (the HF demo's regex <c>(.*?)(&lt;loc(\d{4})&gt;){4}\s*(?:(&lt;seg(\d{3})&gt;){16})?\s*([^;&lt;&gt;]+)? ?(?:; )?</c>
/// read on ids instead of text): an object is four consecutive location tokens (y_min, x_min, y_max, x_max),
/// optionally 16 consecutive segmentation tokens (whitespace tokens may come between the two), then a
/// label: the text of the following ordinary tokens up to the first ';', '&lt;' or '&gt;', the next
/// location/segment token, or eos, trimmed. Everything else is skipped. Tokens after the first eos are ignored. Working on ids means a label that happens to contain
/// "&lt;loc0001&gt;" as plain text can never be mistaken for a box.
/// </para>
/// <para>
/// Invalid objects are skipped and counted, never thrown: y_max &lt;= y_min or x_max &lt;= x_min, a location
/// run whose length is not a multiple of four (the incomplete group), or a segmentation run of other than
/// 16 codes. Several groups of four in one run are several objects; all but the last have no label.
/// </para>
/// <para>
/// Coordinates: value / 1023 of the frame size. big_vision (Google's training and evaluation code) writes
/// a coordinate c in [0, 1] as round(c * 1023) and its evaluators decode value / 1023, so this is the exact
/// inverse of what the model learned and &lt;loc1023&gt; reaches the far edge. The HF demo divides by 1024
/// instead; the two differ by less than 0.1% of the frame.
/// </para>
/// <para>
/// Confidence: the geometric mean of the probabilities of the four location tokens and of the label's
/// tokens, exp(mean(ln p)). It is the per-token likelihood of the object as written, so it does not
/// penalise long labels as a plain product would, and one unsure corner pulls the score down as it
/// should. Segmentation codes are left out: they describe the shape, not whether the object is there.
/// Probabilities are clamped to [1e-9, 1] (NaN counts as 1e-9) so the score is always in 0..1.
/// </para>
/// </summary>
public static class DetectionParser
{
    /// <summary>Divisor from location index to a 0..1 coordinate (see the class remarks for why 1023).</summary>
    public const float LocationScale = PaliGemmaTokens.LocationCount - 1;

    /// <summary>Segmentation codes per object in a segment answer.</summary>
    public const int SegmentCodeCount = 16;

    private const int BoxTokenCount = 4;
    private const double MinProbability = 1e-9;
    private static readonly char[] LabelTerminators = [';', '<', '>'];

    /// <summary>Parses <paramref name="tokens"/>; boxes are in pixels of a <paramref name="frameWidth"/> x
    /// <paramref name="frameHeight"/> frame. Never throws on any token sequence.</summary>
    public static IReadOnlyList<DetectedObject> Parse(
        IReadOnlyList<GeneratedToken> tokens, ITokenDecoder decoder, int frameWidth, int frameHeight) =>
        Parse(tokens, decoder, frameWidth, frameHeight, out _);

    /// <summary>As <see cref="Parse(IReadOnlyList{GeneratedToken}, ITokenDecoder, int, int)"/>, also saying how
    /// many malformed objects were skipped (for a note in the result).</summary>
    public static IReadOnlyList<DetectedObject> Parse(
        IReadOnlyList<GeneratedToken> tokens, ITokenDecoder decoder, int frameWidth, int frameHeight, out int skippedObjects)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);

        var end = 0;
        while (end < tokens.Count && tokens[end].Id != PaliGemmaTokens.Eos)
            end++;

        var objects = new List<DetectedObject>();
        var skipped = 0;
        var i = 0;
        while (i < end)
        {
            if (!PaliGemmaTokens.IsLocation(tokens[i].Id))
            {
                i++; // text before an object, stray segment codes, out-of-vocabulary ids: not part of any object
                continue;
            }

            var runStart = i;
            while (i < end && PaliGemmaTokens.IsLocation(tokens[i].Id))
                i++;
            var groups = (i - runStart) / BoxTokenCount;
            var complete = (i - runStart) % BoxTokenCount == 0;

            // Groups followed directly by more location tokens carry no label and no codes.
            var unlabelled = complete ? groups - 1 : groups;
            for (var g = 0; g < unlabelled; g++)
                Add(tokens, runStart + (g * BoxTokenCount), string.Empty, 0, 0, null, frameWidth, frameHeight, objects, ref skipped);
            if (!complete)
            {
                skipped++; // the truncated group at the end of the run
                continue;
            }

            // As the regex's \s* between the box and the codes: whitespace tokens may separate them.
            var afterSpace = SkipWhitespace(tokens, i, end, decoder);
            if (afterSpace < end && PaliGemmaTokens.IsSegment(tokens[afterSpace].Id))
                i = afterSpace;

            var segStart = i;
            while (i < end && PaliGemmaTokens.IsSegment(tokens[i].Id))
                i++;
            var segCount = i - segStart;

            var labelStart = i;
            while (i < end && IsText(tokens[i].Id))
                i++;

            if (segCount is not 0 and not SegmentCodeCount)
            {
                skipped++;
                continue;
            }

            var codes = segCount == 0 ? null : ReadCodes(tokens, segStart);
            var (label, scoredLabelTokens) = ReadLabel(tokens, labelStart, i, decoder);
            Add(tokens, runStart + ((groups - 1) * BoxTokenCount), label, labelStart, scoredLabelTokens, codes, frameWidth, frameHeight, objects, ref skipped);
        }

        skippedObjects = skipped;
        return objects;
    }

    /// <summary>Ordinary vocabulary: what labels are made of (eos is cut off before parsing).</summary>
    private static bool IsText(int id) => id is >= 0 and < PaliGemmaTokens.FirstLocation;

    private static int SkipWhitespace(IReadOnlyList<GeneratedToken> tokens, int i, int end, ITokenDecoder decoder)
    {
        while (i < end && IsText(tokens[i].Id) && string.IsNullOrWhiteSpace(decoder.Decode([tokens[i].Id])))
            i++;
        return i;
    }

    private static int[] ReadCodes(IReadOnlyList<GeneratedToken> tokens, int start)
    {
        var codes = new int[SegmentCodeCount];
        for (var k = 0; k < SegmentCodeCount; k++)
            codes[k] = tokens[start + k].Id - PaliGemmaTokens.FirstSegment;
        return codes;
    }

    /// <summary>The label text and how many of the leading tokens spell it.</summary>
    private static (string Label, int ScoredTokens) ReadLabel(IReadOnlyList<GeneratedToken> tokens, int start, int end, ITokenDecoder decoder)
    {
        if (end == start)
            return (string.Empty, 0);

        var ids = new int[end - start];
        for (var k = 0; k < ids.Length; k++)
            ids[k] = tokens[start + k].Id;

        var text = decoder.Decode(ids);
        var cut = text.IndexOfAny(LabelTerminators);
        if (cut < 0)
        {
            var whole = text.Trim();
            return (whole, whole.Length == 0 ? 0 : ids.Length);
        }

        var label = text[..cut].Trim();
        if (label.Length == 0)
            return (label, 0);

        // The label ends inside the decoded text (e.g. " car ; person"): score only the tokens that spell it,
        // the shortest prefix whose text reaches the label's last character. Labels are a few tokens long,
        // so decoding the prefixes is cheap.
        var labelEnd = text[..cut].TrimEnd().Length;
        var scored = 1;
        while (scored < ids.Length && decoder.Decode(ids.AsSpan(0, scored)).Length < labelEnd)
            scored++;
        return (label, scored);
    }

    private static void Add(
        IReadOnlyList<GeneratedToken> tokens, int boxStart, string label, int labelStart, int labelTokens,
        int[]? codes, int frameWidth, int frameHeight, List<DetectedObject> objects, ref int skipped)
    {
        var yMin = tokens[boxStart].Id - PaliGemmaTokens.FirstLocation;
        var xMin = tokens[boxStart + 1].Id - PaliGemmaTokens.FirstLocation;
        var yMax = tokens[boxStart + 2].Id - PaliGemmaTokens.FirstLocation;
        var xMax = tokens[boxStart + 3].Id - PaliGemmaTokens.FirstLocation;
        if (yMax <= yMin || xMax <= xMin)
        {
            skipped++;
            return;
        }

        double logSum = 0;
        for (var k = 0; k < BoxTokenCount; k++)
            logSum += Math.Log(ClampProbability(tokens[boxStart + k].Probability));
        for (var k = 0; k < labelTokens; k++)
            logSum += Math.Log(ClampProbability(tokens[labelStart + k].Probability));
        var score = (float)Math.Clamp(Math.Exp(logSum / (BoxTokenCount + labelTokens)), 0.0, 1.0);

        var normalized = new BoxF(xMin / LocationScale, yMin / LocationScale, xMax / LocationScale, yMax / LocationScale);
        var pixels = new BoxF(
            normalized.XMin * frameWidth, normalized.YMin * frameHeight,
            normalized.XMax * frameWidth, normalized.YMax * frameHeight);
        objects.Add(new DetectedObject(label, score, pixels, normalized, codes));
    }

    private static double ClampProbability(float p) => p >= MinProbability ? Math.Min(p, 1.0) : MinProbability;
}
