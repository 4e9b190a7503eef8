namespace EdgePali.Quantize.Hub;

/// <summary>Why a pull failed; the command maps these to exit codes and tests assert on them.</summary>
internal enum HubErrorKind
{
    /// <summary>The command line or a token file is wrong.</summary>
    InvalidInput,

    /// <summary>The repository does not exist, or is private and the request had no token with access.</summary>
    RepoNotFound,

    /// <summary>The branch, tag or commit does not exist in the repository.</summary>
    RevisionNotFound,

    /// <summary>A listed file is missing at the resolved commit.</summary>
    EntryNotFound,

    /// <summary>A gated model: no token was sent, or the token's account has not accepted the licence.</summary>
    GatedRepo,

    /// <summary>The hub rejected the token itself.</summary>
    InvalidToken,

    /// <summary>A downloaded file's size or sha256/git hash differs from the hub's metadata.</summary>
    ChecksumMismatch,

    /// <summary>Not enough space for the download, or the disk filled up during it.</summary>
    DiskFull,

    /// <summary>A local file or folder could not be written.</summary>
    LocalIo,

    /// <summary>The hub answered something this client cannot use (bad JSON, inconsistent metadata, unsafe paths).</summary>
    InvalidResponse,

    /// <summary>Network failures or 5xx/429 answers that persisted through every retry.</summary>
    Unavailable,
}
