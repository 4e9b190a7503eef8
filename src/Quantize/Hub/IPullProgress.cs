namespace EdgePali.Quantize.Hub;

/// <summary>
/// What a pull reports while it runs. The command shows it as Spectre.Console progress bars; tests record it.
/// Calls may come from several downloads at once.
/// </summary>
internal interface IPullProgress
{
    /// <summary>The revision resolved to a commit and the files to fetch were chosen.</summary>
    void Resolved(HubSnapshot snapshot, IReadOnlyList<HubFile> selected);

    /// <summary>A file's transfer starts (or resumes) with <paramref name="bytesPresent"/> bytes already on disk.</summary>
    void FileStarted(HubFile file, long bytesPresent);

    void BytesReceived(HubFile file, long count);

    /// <summary>The file starts over from byte 0 (the reason says why).</summary>
    void FileRestarted(HubFile file, string reason);

    /// <summary>A transient failure; the pull waits <paramref name="delay"/> and tries again. <paramref name="file"/> is null for metadata requests.</summary>
    void Retrying(HubFile? file, string reason, int attempt, TimeSpan delay);

    /// <summary>The file is in place and verified; <paramref name="alreadyPresent"/> when it was there before the pull.</summary>
    void FileCompleted(HubFile file, bool alreadyPresent);

    /// <summary>The file failed for good (the other files go on).</summary>
    void FileFailed(HubFile file, string reason);
}
