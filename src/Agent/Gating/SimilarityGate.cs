using System.Diagnostics.CodeAnalysis;
using EdgePali.Agent.Pipeline;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Gating;

/// <summary>
/// The feature-similarity gate: a task whose frame encodes to features nearly identical (cosine at or above the
/// camera's SimilarityThreshold) to those it last analysed reuses that result instead of running the language model.
/// Off when the threshold is 0.
/// </summary>
internal static class SimilarityGate
{
    /// <summary>The task's last result when this frame's <paramref name="features"/> are similar enough to reuse it.</summary>
    public static bool TryReuse(CameraRuntime camera, ScheduledTask task, ReadOnlySpan<float> features, [NotNullWhen(true)] out AnalysisResult? result)
    {
        result = null;
        if (camera.Options.SimilarityThreshold > 0
            && camera.TryGetLastAnalysed(task.Name, out var last)
            && last.Result.Task == task.Vision
            && ImageFeatures.CosineSimilarity(features, last.Features) >= camera.Options.SimilarityThreshold)
        {
            result = last.Result;
        }

        return result is not null;
    }

    /// <summary>Remembers a fresh result and its frame's features for the next frame (when the gate is on).</summary>
    public static void Remember(CameraRuntime camera, ScheduledTask task, ReadOnlySpan<float> features, AnalysisResult result)
    {
        if (camera.Options.SimilarityThreshold <= 0)
            return;
        // The analyser reuses its feature buffer: keep a copy, in the previous copy's array when it fits.
        var kept = camera.TryGetLastAnalysed(task.Name, out var previous) && previous.Features.Length == features.Length
            ? previous.Features
            : new float[features.Length];
        features.CopyTo(kept);
        camera.SetLastAnalysed(task.Name, kept, result);
    }
}
