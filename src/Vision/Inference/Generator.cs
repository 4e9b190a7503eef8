using System.Diagnostics;
using EdgePali.Vision.Tasks;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>What one generation produced and how long its language-model stages took.</summary>
/// <param name="Tokens">Generated tokens, eos excluded, each with its probability.</param>
/// <param name="StoppedAtEos">True when the answer is complete (the model picked eos, or constrained decoding allowed
/// nothing else), false when the token limit cut it.</param>
/// <param name="PromptTokens">Prompt length (image tokens included).</param>
/// <param name="PrefillMs">Embedding and decoder run over the prompt.</param>
/// <param name="DecodeMs">All single-token decoder steps.</param>
internal sealed record GenerationOutput(
    IReadOnlyList<GeneratedToken> Tokens,
    bool StoppedAtEos,
    int PromptTokens,
    double PrefillMs,
    double DecodeMs);

/// <summary>
/// Orchestrates one generation (ORT GenAI's Generator): prefill, then pick a token with the search (under a
/// <see cref="DetectionConstraint"/> when one is given), feed it back, until eos or the token limit. Under a
/// constraint the answer also ends, without another decoder step, as soon as the grammar allows only eos.
/// Checks for cancellation before every decoder step, and also stops a long prefill in progress (ORT's
/// terminate flag), which on a 3B model can take seconds.
/// </summary>
internal sealed class Generator(GenerationState state, GreedySearch search)
{
    /// <param name="image">Features of the image the prompt's &lt;image&gt; tokens stand for.</param>
    /// <param name="promptIds">"&lt;image&gt;"*N + bos + prefix + "\n", tokenised.</param>
    /// <param name="maxNewTokens">Limit on generated tokens, eos included (as transformers.js' max_new_tokens).</param>
    /// <param name="constraint">Constrained decoding, already started on its grammar; null for free generation.</param>
    /// <param name="onToken">Called with each generated token (eos excluded) as soon as it is picked, before the next
    /// decoder step, so callers can stream the answer; null for none. Runs on the generation thread: keep it short.</param>
    /// <param name="cancellationToken">Checked before every decoder step; also stops a prefill in progress.</param>
    public GenerationOutput Run(ImageFeatures image, ReadOnlySpan<int> promptIds, int maxNewTokens, DetectionConstraint? constraint, Action<GeneratedToken>? onToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNewTokens);
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.Register(state.TerminateRun);
        try
        {
            return Generate(image, promptIds, maxNewTokens, constraint, onToken, cancellationToken);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Generation cancelled.", cancellationToken);
        }
    }

    private GenerationOutput Generate(ImageFeatures image, ReadOnlySpan<int> promptIds, int maxNewTokens, DetectionConstraint? constraint, Action<GeneratedToken>? onToken, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var logits = state.Prefill(promptIds, image);
        var prefillMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        var tokens = new List<GeneratedToken>(Math.Min(maxNewTokens, 256));
        var decodeStart = Stopwatch.GetTimestamp();
        var complete = false;
        while (tokens.Count < maxNewTokens)
        {
            var remaining = maxNewTokens - tokens.Count;
            if (constraint is not null && constraint.AllowsOnlyEnd(remaining))
            {
                complete = true; // eos is all the grammar allows: no need to ask the model
                break;
            }

            if (tokens.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                logits = state.Step(tokens[^1].Id);
            }

            var next = constraint is null ? search.Next(logits) : search.Next(logits, constraint, remaining);
            if (search.IsEos(next.Id))
            {
                complete = true;
                break;
            }

            tokens.Add(next);
            constraint?.Advance(next.Id);
            onToken?.Invoke(next);
        }

        var decodeMs = Stopwatch.GetElapsedTime(decodeStart).TotalMilliseconds;
        return new GenerationOutput(tokens, complete, promptIds.Length, prefillMs, decodeMs);
    }
}
