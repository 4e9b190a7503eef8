namespace EdgePali.Bench;

/// <summary>What `edgepali-bench` was asked to do.</summary>
/// <param name="ModelDirectory">A package folder, or null for the default package of <paramref name="Preset"/> and <paramref name="Weights"/>.</param>
/// <param name="NewTokens">Tokens generated per run, eos ignored so every run does the same work.</param>
/// <param name="Threads">ORT intra-op threads for EdgePali and transformers.js alike.</param>
/// <param name="Prompt">Task prefix; the caption task by default, as a camera would run it.</param>
/// <param name="Tasks">`--tasks`: several tasks on one frame (shared vision encode, constrained vs free tokens); null to skip.</param>
/// <param name="CompareModelDirectory">`--compare-model`: the package transformers.js runs (the standard-layout twin of a fused one); null for the measured package.</param>
public sealed record BenchSettings(
    string? ModelDirectory,
    BenchPreset Preset,
    BenchWeights Weights,
    int NewTokens,
    int Warmup,
    int Repetitions,
    int Threads,
    bool CompareTransformersJs,
    string Prompt = "caption en",
    string? Tasks = null,
    string? CompareModelDirectory = null);
