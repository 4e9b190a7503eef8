using System.Text.Json;

namespace EdgePali.Vision.Packages;

/// <summary>
/// edgepali.json, written by the builder: which files belong to the package and their sha256, so a
/// corrupted or half-copied model is caught before it serves. Read leniently (a "files" array of
/// {path, sha256, bytes} or an object keyed by path) so older and newer manifests both work.
/// <see cref="Graph"/>: the builder's graph layout, "standard" (standard ONNX ops, the transformers.js layout) or
/// "fused" (ONNX Runtime contrib ops); both have the same inputs and outputs, so the engine runs either the same way.
/// </summary>
public sealed record PackageManifest(IReadOnlyDictionary<string, PackageManifest.FileEntry> Files, string Graph = PackageManifest.StandardGraph)
{
    /// <summary>The graph layout of manifests that do not record one (older builds, `quantize`, other exporters).</summary>
    public const string StandardGraph = "standard";

    public const string FileName = "edgepali.json";

    /// <summary>One file: its sha256 in hex (lower-case) and its size when recorded.</summary>
    public sealed record FileEntry(string? Sha256, long? Bytes);

    public static PackageManifest? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException($"{path} is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}. Rebuild the package or delete the manifest.", ex);
        }

        using (doc)
        {
            var files = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("files", out var list))
            {
                if (list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in list.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String)
                        {
                            files[Normalize(p.GetString()!)] = ReadEntry(item);
                        }
                    }
                }
                else if (list.ValueKind == JsonValueKind.Object)
                {
                    foreach (var prop in list.EnumerateObject())
                    {
                        files[Normalize(prop.Name)] = prop.Value.ValueKind == JsonValueKind.String
                            ? new FileEntry(prop.Value.GetString()!.ToLowerInvariant(), null)
                            : ReadEntry(prop.Value);
                    }
                }
            }

            var graph = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("graph", out var g) && g.ValueKind == JsonValueKind.String
                ? g.GetString()!
                : StandardGraph;
            return new PackageManifest(files, graph);
        }
    }

    private static FileEntry ReadEntry(JsonElement e)
    {
        string? sha = null;
        long? bytes = null;
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String)
            {
                sha = s.GetString()!.ToLowerInvariant();
            }

            foreach (var key in new[] { "bytes", "size", "length" })
            {
                if (e.TryGetProperty(key, out var b) && b.ValueKind == JsonValueKind.Number && b.TryGetInt64(out var n))
                {
                    bytes = n;
                    break;
                }
            }
        }

        return new FileEntry(sha, bytes);
    }

    internal static string Normalize(string relativePath)
    {
        var p = relativePath.Replace('\\', '/');
        return p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p;
    }
}
