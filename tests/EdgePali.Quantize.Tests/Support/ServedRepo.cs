using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// A folder served by <see cref="LocalHubServer"/> as a repository at one commit. Checksums are computed here
/// independently of the code under test: sha256 of the content for LFS files, git's blob id
/// (<c>sha1("blob {size}\0" + content)</c>) for the others, and for LFS files the git oid of the pointer file,
/// as the Hub lists them.
/// </summary>
internal sealed class ServedRepo
{
    private readonly ConcurrentDictionary<string, long> _claimedSizes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _corrupt = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _extraEntries = [];

    private ServedRepo(string id, string folder, string? gatedToken, IReadOnlyList<ServedFile> files)
    {
        Id = id;
        Folder = folder;
        GatedToken = gatedToken;
        Files = files;
        Commit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("commit of " + id)))[..40];
    }

    public string Id { get; }

    public string Folder { get; }

    /// <summary>The token a download must carry (a gated model), or null for a public one.</summary>
    public string? GatedToken { get; }

    public string Commit { get; }

    public IReadOnlyList<ServedFile> Files { get; }

    public static ServedRepo Load(string id, string folder, string? gatedToken)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(full =>
            {
                var bytes = File.ReadAllBytes(full);
                var path = Path.GetRelativePath(folder, full).Replace('\\', '/');
                var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
                var isLfs = bytes.Length >= LocalHubServer.LfsThreshold;
                var gitOid = isLfs
                    ? GitBlobId(Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {bytes.Length}\n"))
                    : GitBlobId(bytes);
                return new ServedFile(path, bytes.Length, sha256, gitOid, isLfs);
            })
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new ServedRepo(id, folder, gatedToken, files);
    }

    public static string GitBlobId(byte[] content)
    {
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {content.Length}\0"));
#pragma warning disable CA5350 // git names blobs by sha1; this recomputes git's id, it is not a security choice.
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
#pragma warning restore CA5350
    }

    /// <summary>From now on the file is served with one byte flipped (same size, wrong checksum).</summary>
    public void Corrupt(string path) => _corrupt[path] = true;

    /// <summary>The listing claims this size for the file (the content served stays the same).</summary>
    public void ClaimSize(string path, long size) => _claimedSizes[path] = size;

    /// <summary>The listing also shows a file at <paramref name="path"/> that the server does not have.</summary>
    public void ListExtra(string path) => _extraEntries.Add(path);

    public byte[] Content(ServedFile file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, file.Path));
        if (_corrupt.ContainsKey(file.Path))
            bytes[bytes.Length / 2] ^= 0xFF;
        return bytes;
    }

    /// <summary>The tree API's entries: folders and files with size, git oid and, for LFS files, lfs {oid (sha256), size, pointerSize}.</summary>
    public List<Dictionary<string, object>> TreeEntries()
    {
        var folders = Files.SelectMany(f => Parents(f.Path)).Distinct(StringComparer.Ordinal)
            .Select(folder => new Dictionary<string, object>
            {
                ["type"] = "directory", ["oid"] = GitBlobId(Encoding.UTF8.GetBytes(folder)), ["size"] = 0, ["path"] = folder,
            });
        var files = Files.Select(f =>
        {
            var size = _claimedSizes.TryGetValue(f.Path, out var claimed) ? claimed : f.Size;
            var entry = new Dictionary<string, object> { ["type"] = "file", ["oid"] = f.GitOid, ["size"] = size, ["path"] = f.Path };
            if (f.IsLfs)
                entry["lfs"] = new Dictionary<string, object> { ["oid"] = f.Sha256, ["size"] = size, ["pointerSize"] = 134 };
            return entry;
        });
        var extra = _extraEntries.Select(path => new Dictionary<string, object>
        {
            ["type"] = "file", ["oid"] = GitBlobId([]), ["size"] = 0, ["path"] = path,
        });
        return folders.Concat(files).Concat(extra).OrderBy(e => (string)e["path"], StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
            yield return path[..slash];
    }
}

