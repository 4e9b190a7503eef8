using System.Text.Json;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// A Hugging Face PaliGemma checkpoint folder: config.json plus model.safetensors, or shards listed in
/// model.safetensors.index.json. Tensors are looked up by their Hub names and checked against expected shapes.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Info)> _tensors;

    private Checkpoint(string directory, PaliGemmaConfig config, List<SafetensorsFile> files, Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> tensors)
    {
        Directory = directory;
        Config = config;
        _files = files;
        _tensors = tensors;
    }

    public string Directory { get; }

    public PaliGemmaConfig Config { get; }

    public IEnumerable<string> TensorNames => _tensors.Keys;

    public long TotalElements => _tensors.Values.Sum(t => t.Info.ElementCount);

    public static Checkpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException($"Checkpoint folder '{directory}' does not exist.");
        PaliGemmaConfig config;
        try
        {
            config = PaliGemmaConfigReader.ReadCheckpoint(directory);
        }
        catch (ModelPackageException e)
        {
            throw new CheckpointException($"'{directory}': {e.Message} Point --checkpoint at a Hugging Face PaliGemma checkpoint folder.", e);
        }

        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var path in ShardPaths(directory))
                files.Add(SafetensorsFile.Open(path));
            var map = new Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                foreach (var info in file.Tensors.Values)
                {
                    var canonical = PaliGemmaTensorNames.Canonical(info.Name);
                    if (!map.TryAdd(canonical, (file, info)))
                        throw new CheckpointException($"Tensor '{info.Name}' appears twice (in '{map[canonical].Item1.Path}' and '{file.Path}').");
                }
            }

            return new Checkpoint(directory, config, files, map);
        }
        catch
        {
            foreach (var f in files)
                f.Dispose();
            throw;
        }
    }

    private static IEnumerable<string> ShardPaths(string directory)
    {
        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
        {
            using var index = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!index.RootElement.TryGetProperty("weight_map", out var weightMap))
                throw new CheckpointException($"'{indexPath}' has no weight_map.");
            var shards = weightMap.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            foreach (var shard in shards)
            {
                if (shard.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(shard))
                    throw new CheckpointException($"'{indexPath}' names shard '{shard}' outside the checkpoint folder.");
                var path = Path.Combine(directory, shard);
                if (!File.Exists(path))
                    throw new CheckpointException($"Shard '{shard}' listed in '{indexPath}' is missing: download it too.");
                yield return path;
            }

            yield break;
        }

        var single = Path.Combine(directory, SingleFileName);
        if (!File.Exists(single))
            throw new CheckpointException($"'{directory}' has neither {SingleFileName} nor {IndexFileName}.");
        yield return single;
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Returns the tensor; throws naming it when it is missing or its shape differs from the config's.</summary>
    public CheckpointTensor Tensor(string name, params long[] expectedShape)
    {
        ArgumentNullException.ThrowIfNull(expectedShape);
        if (!_tensors.TryGetValue(name, out var entry))
            throw new CheckpointException($"Tensor '{name}' is missing from the checkpoint in '{Directory}' (is it a complete PaliGemma checkpoint?).");
        if (expectedShape.Length > 0 && !entry.Info.Shape.SequenceEqual(expectedShape))
            throw new CheckpointException($"Tensor '{name}' in '{entry.File.Path}' has shape {entry.Info.ShapeText} but config.json implies [{string.Join(", ", expectedShape)}].");
        return new CheckpointTensor(entry.File, entry.Info);
    }

    public void Dispose()
    {
        foreach (var f in _files)
            f.Dispose();
    }
}
