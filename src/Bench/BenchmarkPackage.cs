using System.Diagnostics;

namespace EdgePali.Bench;

/// <summary>
/// The model package a benchmark runs on: the one given with --model, or the default random-weight package
/// for the preset and weights under models/bench/ (relative to the working folder), built on first use:
/// `edgepali-quantize make-test-checkpoint --preset P` once per preset (bf16, shared by all weight formats),
/// then `edgepali-quantize build --weights W`. Random weights have the real model's shapes, so compute and
/// memory traffic are the real model's.
/// </summary>
public static class BenchmarkPackage
{
    public const string DefaultRoot = "models/bench";

    /// <summary>What building the default package cost, when this run built it.</summary>
    /// <param name="CheckpointSeconds">make-test-checkpoint wall time, 0 when the checkpoint was already there.</param>
    /// <param name="BuildSeconds">build wall time.</param>
    public sealed record BuildCost(double CheckpointSeconds, double BuildSeconds);

    public static string DefaultDirectory(BenchPreset preset, BenchWeights weights) =>
        Path.GetFullPath(Path.Combine(DefaultRoot, $"{preset.CliName()}-{weights.CliName()}"));

    /// <summary>Makes sure the default package exists; returns its folder and what building it cost (null when it was cached).</summary>
    public static async Task<(string Directory, BuildCost? Cost)> EnsureDefaultAsync(
        BenchPreset preset, BenchWeights weights, TextWriter? toolOutput, Action<string> status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        var package = DefaultDirectory(preset, weights);
        if (File.Exists(Path.Combine(package, "config.json")))
        {
            return (package, null);
        }

        var tool = QuantizeTool.Locate();
        var checkpoint = Path.GetFullPath(Path.Combine(DefaultRoot, $"{preset.CliName()}-checkpoint"));
        double checkpointSeconds = 0;
        if (!File.Exists(Path.Combine(checkpoint, "config.json")))
        {
            // A folder without config.json is a half-written checkpoint from an interrupted run.
            DeleteIfPresent(checkpoint);
            status($"Creating the random-weight {preset.CliName()} checkpoint in {checkpoint} (first use only)...");
            var started = Stopwatch.GetTimestamp();
            await tool.RunAsync(["make-test-checkpoint", "--preset", preset.CliName(), "--out", checkpoint], toolOutput, cancellationToken).ConfigureAwait(false);
            checkpointSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        DeleteIfPresent(package);
        status($"Building the {weights.CliName()} package in {package} (first use only)...");
        var buildStarted = Stopwatch.GetTimestamp();
        await tool.RunAsync(["build", "--checkpoint", checkpoint, "--out", package, "--weights", weights.CliName()], toolOutput, cancellationToken).ConfigureAwait(false);
        return (package, new BuildCost(checkpointSeconds, Stopwatch.GetElapsedTime(buildStarted).TotalSeconds));
    }

    private static void DeleteIfPresent(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
