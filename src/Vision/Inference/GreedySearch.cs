using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Inference;

/// <summary>
/// Greedy decoding: the most probable token of each step (ties: the lowest id, as transformers.js' argmax),
/// over ids below <see cref="PaliGemmaTokens.FirstNonGenerable"/> only, since the image placeholder and the
/// padded, randomly initialised vocabulary rows must never be generated. Also reports the chosen token's
/// probability (softmax over the same allowed ids), from which parsers derive confidences.
/// </summary>
internal sealed class GreedySearch(IReadOnlyList<int> eosTokenIds)
{
    private readonly int[] _eos = [.. eosTokenIds];

    public bool IsEos(int id) => Array.IndexOf(_eos, id) >= 0;

    /// <summary>Picks the next token from one row of logits (the vocabulary).</summary>
    public static GeneratedToken Select(ReadOnlySpan<float> logits)
    {
        var allowed = logits[..Math.Min(logits.Length, PaliGemmaTokens.FirstNonGenerable)];
        var best = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < allowed.Length; i++)
        {
            if (allowed[i] > max)
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

        return new GeneratedToken(best, (float)(1.0 / sum));
    }
}
