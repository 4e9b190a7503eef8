using EdgePali.Vision.Packages;

namespace EdgePali.Bench;

/// <summary>
/// Which package transformers.js runs under `--compare transformers-js`: EdgePali's own files, or with
/// `--compare-model` the standard-layout package built from the same checkpoint, the layout transformers.js' own
/// exports have (its onnxruntime-node also runs the fused contrib graphs, but no peer would ship them). The twin must
/// differ from the measured package in the graph layout only; anything else would compare different models.
/// </summary>
public static class TransformersJsPackage
{
    /// <summary>Why transformers.js cannot be compared on <paramref name="theirs"/>, or null when it can.</summary>
    /// <param name="ours">The manifest of the package EdgePali runs (null: a package without edgepali.json).</param>
    /// <param name="theirs">The manifest of the package transformers.js would run (the same one without --compare-model).</param>
    /// <param name="separate">True when <paramref name="theirs"/> came from --compare-model.</param>
    public static string? Problem(PackageManifest? ours, PackageManifest? theirs, string theirDirectory, bool separate)
    {
        if (!separate || theirs is null)
            return null;
        if (theirs.GraphLayout != PackageManifest.StandardGraph)
            return $"--compare-model {theirDirectory} has the '{theirs.GraphLayout}' graph layout; pass the standard layout, as transformers.js exports have it (`edgepali-quantize build --graph standard` from the same checkpoint).";
        if (ours is null)
            return null;
        if (ours.SourceCheckpoint is { } a && theirs.SourceCheckpoint is { } b && !string.Equals(a, b, StringComparison.Ordinal))
            return $"--compare-model {theirDirectory} was built from {b}, the measured package from {a}: compare packages built from the same checkpoint.";
        if (ours.WeightFormat is { } x && theirs.WeightFormat is { } y && !string.Equals(x, y, StringComparison.Ordinal))
            return $"--compare-model {theirDirectory} has weight format '{y}', the measured package '{x}': compare the same weight format, so only the graph layout differs.";
        if ((ours.WeightMix ?? "") != (theirs.WeightMix ?? ""))
            return $"--compare-model {theirDirectory} has --mix '{theirs.WeightMix}', the measured package '{ours.WeightMix}': compare the same weights.";
        return null;
    }
}
