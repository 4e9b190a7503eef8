using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// Hashes a file's bytes as they stream past, in the form the Hub publishes for it: sha256 for LFS/Xet files,
/// git's blob sha1 (<c>sha1("blob {size}\0" + content)</c>) for files kept in git. Incremental, so a resumed
/// download only re-reads the part already on disk once and never the whole file again.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private readonly HubFile _file;
    private IncrementalHash _hash;

    public ContentHasher(HubFile file)
    {
        _file = file ?? throw new ArgumentNullException(nameof(file));
        _hash = Create(file);
    }

    /// <summary>False when the Hub gave no checksum: then only the size can be verified.</summary>
    public bool HasExpectedChecksum => _file.Sha256 is not null || _file.GitBlobId is not null;

    public void Append(ReadOnlySpan<byte> bytes) => _hash.AppendData(bytes);

    /// <summary>Starts over (the server ignored a Range request, or a stale partial file was discarded).</summary>
    public void Reset()
    {
        _hash.Dispose();
        _hash = Create(_file);
    }

    /// <summary>Finishes the hash; returns the lower-case hex digest, comparable to the Hub's value.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>The value <see cref="Finish"/> must return for the content to be the Hub's, or null when unknown.</summary>
    public string? Expected => (_file.Sha256 ?? _file.GitBlobId)?.ToLowerInvariant();

    public void Dispose() => _hash.Dispose();

    private static IncrementalHash Create(HubFile file)
    {
        if (file.Sha256 is not null || file.GitBlobId is null)
            return IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5350 // git names blobs by sha1; this recomputes git's id, it is not a security choice.
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
        hash.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {file.Size}\0")));
        return hash;
    }
}
