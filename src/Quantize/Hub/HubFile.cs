namespace EdgePali.Quantize.Hub;

/// <summary>
/// One file of a repository at a commit, as listed by the Hub's tree API: its path, its size and the checksum
/// the Hub publishes for it: the sha256 of the content for LFS/Xet files (<c>lfs.oid</c>), the git blob id (a
/// sha1 of <c>"blob {size}\0" + content</c>) for small files kept in git (<c>oid</c>).
/// </summary>
internal sealed record HubFile(string Path, long Size, string? Sha256, string? GitBlobId);
