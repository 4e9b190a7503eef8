namespace EdgePali.Agent.Mqtt.Queue;

/// <summary>
/// How the offline queue opens and deletes its files: unbuffered FileStreams, so that a write either reaches the
/// kernel or throws, and nothing half-written lingers in a buffer to be flushed later at the wrong place. It is a
/// class of its own so that tests can substitute one whose files fail on demand (EIO, a full disk mid-record):
/// disks that fail when told cannot exist in a test run.
/// </summary>
internal class QueueFileSystem
{
    public static QueueFileSystem Default { get; } = new();

    public virtual FileStream Open(string path, FileMode mode, FileAccess access) =>
        new(path, mode, access, FileShare.Read | FileShare.Delete, bufferSize: 0);

    public virtual void Delete(string path) => File.Delete(path);
}
