namespace EdgePali.Quantize.Hub;

/// <summary>What a pull did.</summary>
/// <param name="Snapshot">The repository at the pinned commit.</param>
/// <param name="Files">The selected files, all verified in place.</param>
/// <param name="Downloaded">How many had to be downloaded.</param>
/// <param name="AlreadyPresent">How many were in place and verified already.</param>
/// <param name="RecordPath">The record file pinning the commit.</param>
internal sealed record PullResult(HubSnapshot Snapshot, IReadOnlyList<HubFile> Files, int Downloaded, int AlreadyPresent, string RecordPath);
