namespace EdgePali.Quantize.Tests.Support;

/// <summary>A served file and its checksums.</summary>
internal sealed record ServedFile(string Path, long Size, string Sha256, string GitOid, bool IsLfs);
