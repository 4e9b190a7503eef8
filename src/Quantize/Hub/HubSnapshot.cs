namespace EdgePali.Quantize.Hub;

/// <summary>A repository resolved at one commit: what a pull downloads, pinned so every file comes from the same commit.</summary>
/// <param name="Repo">The repository.</param>
/// <param name="RequestedRevision">The branch, tag or sha the user asked for.</param>
/// <param name="Commit">The 40-hex commit sha the revision resolved to.</param>
/// <param name="Gated">The Hub's gating mode ("auto", "manual") or null when the model is not gated.</param>
/// <param name="Files">Every file at that commit (folders excluded).</param>
internal sealed record HubSnapshot(HubRepoId Repo, string RequestedRevision, string Commit, string? Gated, IReadOnlyList<HubFile> Files);
