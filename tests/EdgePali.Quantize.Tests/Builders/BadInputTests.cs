using System.Text.Json.Nodes;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Quantize.Tests.Builders;

/// <summary>
/// Broken checkpoints are rejected with a message naming the tensor or file, and the output folder is left absent
/// (no half-written package). Each case copies the fixture's good checkpoint and breaks one thing.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class BadInputTests(TinyPaliGemma1Packages packages) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edgepali-bad-input-").FullName;

    [Fact]
    public async Task MissingTensor_IsNamed()
    {
        var dir = CopyCheckpoint();
        RewriteWeights(dir, drop: PaliGemmaTensorNames.FinalNorm);
        await AssertRejected(dir, PaliGemmaTensorNames.FinalNorm, "missing");
    }

    [Fact]
    public async Task MismatchedShape_IsNamedWithBothShapes()
    {
        var dir = CopyCheckpoint();
        RewriteWeights(dir, reshape: (PaliGemmaTensorNames.FinalNorm, [65]));
        await AssertRejected(dir, PaliGemmaTensorNames.FinalNorm, "[65]");
    }

    [Fact]
    public async Task UnknownModelType_IsNamed()
    {
        var dir = CopyCheckpoint();
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "llava";
        File.WriteAllText(configPath, config.ToJsonString());
        await AssertRejected(dir, "llava", "paligemma");
    }

    [Fact]
    public async Task UnsupportedDType_IsNamedWithTensor()
    {
        var dir = CopyCheckpoint();
        var path = Path.Combine(dir, Checkpoint.SingleFileName);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToInt64(bytes, 0);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength);
        // Same width as "BF16" so offsets stay valid: only the type name is wrong.
        var target = $"\"{PaliGemmaTensorNames.FinalNorm}\":{{\"dtype\":\"BF16\"";
        Assert.Contains(target, header);
        var patched = header.Replace(target, target.Replace("BF16", "I16", StringComparison.Ordinal) + " ", StringComparison.Ordinal);
        System.Text.Encoding.UTF8.GetBytes(patched).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        await AssertRejected(dir, PaliGemmaTensorNames.FinalNorm, "I16");
    }

    [Fact]
    public async Task TruncatedSafetensors_IsNamedWithFile()
    {
        var dir = CopyCheckpoint();
        var path = Path.Combine(dir, Checkpoint.SingleFileName);
        using (var stream = new FileStream(path, FileMode.Open))
            stream.SetLength(stream.Length - 1000);
        await AssertRejected(dir, Checkpoint.SingleFileName, "truncated");
    }

    [Fact]
    public async Task CancelledBuild_LeavesNothingBehind()
    {
        var outDir = Path.Combine(_work, "cancelled-out");
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Fraction > 0.05)
                cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, outDir, WeightFormat.Fp32), progress, cts.Token));
        AssertNothingWritten(outDir);
    }

    [Fact]
    public async Task NonEmptyOutputFolder_IsRefused()
    {
        var outDir = Path.Combine(_work, "occupied");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "keep.txt"), "user data");
        var e = await Assert.ThrowsAsync<IOException>(() => PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, outDir)));
        Assert.Contains("not empty", e.Message, StringComparison.Ordinal);
        Assert.Equal("user data", File.ReadAllText(Path.Combine(outDir, "keep.txt")));
    }

    [Fact]
    public void ShardedCheckpoint_ReadsTheSameTensorsAsSingleFile()
    {
        var dir = CopyCheckpoint();
        using (var single = SafetensorsFile.Open(Path.Combine(dir, Checkpoint.SingleFileName)))
        {
            var tensors = single.Tensors.Values.OrderBy(t => t.Begin).ToList();
            var halves = new[] { tensors[..(tensors.Count / 2)], tensors[(tensors.Count / 2)..] };
            var weightMap = new JsonObject();
            for (var s = 0; s < 2; s++)
            {
                var name = $"model-0000{s + 1}-of-00002.safetensors";
                using var writer = new SafetensorsWriter(Path.Combine(dir, name), halves[s].Select(t => (t.Name, t.Shape)), CheckpointDType.Bf16);
                foreach (var t in halves[s])
                {
                    var values = new float[t.ElementCount];
                    single.ReadFloats(t, 0, values);
                    writer.Write(values);
                    weightMap[t.Name] = name;
                }

                writer.Complete();
            }

            File.WriteAllText(Path.Combine(dir, Checkpoint.IndexFileName), new JsonObject { ["weight_map"] = weightMap }.ToJsonString());
        }

        File.Delete(Path.Combine(dir, Checkpoint.SingleFileName));
        using var sharded = Checkpoint.Open(dir);
        using var original = Checkpoint.Open(packages.CheckpointDir);
        Assert.Equal(original.TensorNames.Order(), sharded.TensorNames.Order());
        foreach (var name in new[] { PaliGemmaTensorNames.PatchEmbeddingWeight, PaliGemmaTensorNames.EmbedTokens, PaliGemmaTensorNames.FinalNorm })
            Assert.Equal(original.Tensor(name).ReadAll(), sharded.Tensor(name).ReadAll());
    }

    [Fact]
    public void Bf16Writer_RoundsToNearestEven_AndReaderWidensExactly()
    {
        var path = Path.Combine(_work, "roundtrip.safetensors");
        float[] values = [1f, -2.5f, 1.00390625f, 3.1415927f, 0f];
        using (var writer = new SafetensorsWriter(path, [("x", [values.Length])], CheckpointDType.Bf16))
        {
            writer.Write(values);
            writer.Complete();
        }

        using var file = SafetensorsFile.Open(path);
        var read = new float[values.Length];
        file.ReadFloats(file.Tensors["x"], 0, read);
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7 and rounds to the even mantissa (1); pi rounds to 3.140625.
        Assert.Equal([1f, -2.5f, 1f, 3.140625f, 0f], read);
    }

    private string CopyCheckpoint()
    {
        var dir = Path.Combine(_work, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(packages.CheckpointDir))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    /// <summary>Rewrites model.safetensors without one tensor, or with one tensor given another shape.</summary>
    private static void RewriteWeights(string dir, string? drop = null, (string Name, long[] Shape)? reshape = null)
    {
        var path = Path.Combine(dir, Checkpoint.SingleFileName);
        var temp = path + ".new";
        using (var source = SafetensorsFile.Open(path))
        {
            var tensors = source.Tensors.Values.Where(t => t.Name != drop).OrderBy(t => t.Begin).ToList();
            var shapes = tensors.Select(t => (t.Name, reshape is { } r && r.Name == t.Name ? r.Shape : t.Shape)).ToList();
            using var writer = new SafetensorsWriter(temp, shapes, CheckpointDType.Bf16);
            foreach (var (t, (_, shape)) in tensors.Zip(shapes))
            {
                var values = new float[t.ElementCount];
                source.ReadFloats(t, 0, values);
                writer.Write(values.AsSpan(0, (int)Math.Min(values.Length, shape.Aggregate(1L, (a, b) => a * b))));
                if (shape.Aggregate(1L, (a, b) => a * b) > values.Length)
                    writer.Write(new float[shape.Aggregate(1L, (a, b) => a * b) - values.Length]);
            }

            writer.Complete();
        }

        File.Move(temp, path, overwrite: true);
    }

    private async Task AssertRejected(string checkpointDir, params string[] messageParts)
    {
        var outDir = Path.Combine(_work, "out-" + Guid.NewGuid().ToString("N"));
        var e = await Assert.ThrowsAsync<CheckpointException>(() => PackageBuilder.BuildAsync(new PackageBuildOptions(checkpointDir, outDir)));
        foreach (var part in messageParts)
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
        AssertNothingWritten(outDir);
    }

    private static void AssertNothingWritten(string outDir)
    {
        Assert.False(Directory.Exists(outDir), $"'{outDir}' should not exist after a failed build");
        var parent = Path.GetDirectoryName(outDir)!;
        Assert.Empty(Directory.GetDirectories(parent, $".{Path.GetFileName(outDir)}.partial-*"));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool, after the cancellation point).</summary>
    private sealed class SynchronousProgress(Action<PackageBuildProgress> report) : IProgress<PackageBuildProgress>
    {
        public void Report(PackageBuildProgress value) => report(value);
    }
}
