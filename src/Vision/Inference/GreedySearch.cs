using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Inference;

/// <summary>
/// Greedy decoding: the most probable token of each step (ties: the lowest id, as transformers.js' argmax),
/// over ids below <see cref="PaliGemmaTokens.FirstNonGenerable"/> only, since the image placeholder and the
/// padded, randomly initialised vocabulary rows must never be generated. Also reports the chosen token's
/// probability (softmax over the same allowed ids), from which parsers derive confidences.
/// With <paramref name="suppressEos"/> (benchmarks) eos is never picked, so generation always runs to its limit.
/// </summary>
internal sealed class GreedySearch(IReadOnlyList<int> eosTokenIds, bool suppressEos = false)
{
    private readonly int[] _eos = [.. eosTokenIds];

    public bool IsEos(int id) => !suppressEos && Array.IndexOf(_eos, id) >= 0;

    /// <summary>The next token: <see cref="Select"/>, with eos banned when suppressed.</summary>
    public GeneratedToken Next(ReadOnlySpan<float> logits) => Select(logits, suppressEos ? _eos : default);

    /// <summary>Picks the next token from one row of logits (the vocabulary), never one of <paramref name="banned"/>.</summary>
    public static GeneratedToken Select(ReadOnlySpan<float> logits, ReadOnlySpan<int> banned = default)
    {
        var allowed = logits[..Math.Min(logits.Length, PaliGemmaTokens.FirstNonGenerable)];
        var best = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < allowed.Length; i++)
        {
            if (allowed[i] > max && (banned.IsEmpty || banned.IndexOf(i) < 0))
            {
                max = allowed[i];
                best = i;
            }
        }

        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            // All logits -inf or NaN: the graph produced garbage. Report it through the token with zero confidence.
            return new GeneratedToken(best, 0f);
        }

        // p(best) = exp(max - max) / sum(exp(l - max)) = 1 / sum(exp(l - max)).
        double sum = 0;
        for (var i = 0; i < allowed.Length; i++)
        {
            sum += MathF.Exp(allowed[i] - max);
        }

        // Banned ids take no probability mass (as if their logits were -inf).
        foreach (var id in banned)
        {
            if ((uint)id < (uint)allowed.Length)
            {
                sum -= MathF.Exp(allowed[id] - max);
            }
        }

        return new GeneratedToken(best, (float)(1.0 / sum));
    }
}
