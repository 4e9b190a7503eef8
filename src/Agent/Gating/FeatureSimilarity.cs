namespace EdgePali.Agent.Gating;

/// <summary>Cosine similarity of two image-feature vectors, for the feature-similarity gate.</summary>
public static class FeatureSimilarity
{
    /// <summary>cos(a, b) in -1..1; 0 when either is all zeros or the lengths differ (never "similar").</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
            return 0;
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            normA += a[i] * (double)a[i];
            normB += b[i] * (double)b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}
