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

    /// <summary>Whether eos may be picked (false when suppressed for benchmarks).</summary>
    public bool AllowsEos => !suppressEos;

    /// <summary>The model's eos ids.</summary>
    public int[] EosIds => _eos;

    /// <summary>The next token: <see cref="Select"/>, with eos banned when suppressed.</summary>
    public GeneratedToken Next(ReadOnlySpan<float> logits) => Select(logits, suppressEos ? _eos : default);

    /// <summary>
    /// The next token among those <paramref name="constraint"/> allows (it masks <paramref name="logits"/> in place).
    /// The reported probability is still the model's own, the softmax over every generable id before masking: a
    /// token the grammar forced against the model's wish keeps its low probability, so parsers' confidences say
    /// how much the model believed the object, and an answer that needed no forcing scores as it would unconstrained.
    /// </summary>
    /// <param name="logits">This step's logits over the vocabulary; masked in place.</param>
    /// <param name="constraint">The grammar state that decides which ids are allowed.</param>
    /// <param name="remaining">Tokens that may still be generated, this one and eos included.</param>
    public GeneratedToken Next(Span<float> logits, DetectionConstraint constraint, int remaining)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        var generable = logits[..Math.Min(logits.Length, PaliGemmaTokens.FirstNonGenerable)];
        ReadOnlySpan<int> banned = suppressEos ? _eos : default;
        var max = float.NegativeInfinity;
        for (var i = 0; i < generable.Length; i++)
        {
            if (generable[i] > max && (banned.IsEmpty || banned.IndexOf(i) < 0))
                max = generable[i];
        }

        var sum = SumExp(generable, max, banned);
        var fallback = constraint.Mask(generable, remaining);
        var best = ArgMax(generable);
        if (float.IsNegativeInfinity(generable[best]) || float.IsNaN(generable[best]) || !float.IsFinite(max))
            return new GeneratedToken(fallback, 0f); // garbage logits: any allowed token, with zero confidence
        return new GeneratedToken(best, (float)(MathF.Exp(generable[best] - max) / sum));
    }

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
        var sum = SumExp(allowed, max, banned);
        return new GeneratedToken(best, (float)(1.0 / sum));
    }

    /// <summary>sum(exp(l - max)) over <paramref name="logits"/>; banned ids take no probability mass (as if their logits were -inf).</summary>
    private static double SumExp(ReadOnlySpan<float> logits, float max, ReadOnlySpan<int> banned)
    {
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            sum += MathF.Exp(logits[i] - max);
        }

        foreach (var id in banned)
        {
            if ((uint)id < (uint)logits.Length)
            {
                sum -= MathF.Exp(logits[id] - max);
            }
        }

        return sum;
    }

    /// <summary>The index of the largest value (ties: the lowest index); 0 when all are -inf or NaN.</summary>
    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] > max)
            {
                max = logits[i];
                best = i;
            }
        }

        return best;
    }
}
