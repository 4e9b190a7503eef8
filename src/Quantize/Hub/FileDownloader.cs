using System.Buffers;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// Fetches one file of a pinned snapshot into place, resumably and verified:
/// bytes go to <c>path.partial</c>; an interrupted transfer (here or in an earlier run) continues with a Range
/// request from the bytes already there; size and checksum are checked against the Hub's metadata while the
/// bytes stream past; only a verified file is renamed into place (atomic on one filesystem). A file that is
/// already in place and verifies is left alone. Nothing is ever held in memory beyond one read buffer.
/// </summary>
internal sealed class FileDownloader
{
    private const int ReadBufferSize = 256 * 1024;
    private const int HashBufferSize = 1024 * 1024;

    private readonly HubClient _client;
    private readonly HubSnapshot _snapshot;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _stallTimeout;
    private readonly IPullProgress _progress;

    public FileDownloader(HubClient client, HubSnapshot snapshot, RetryPolicy retry, TimeSpan stallTimeout, IPullProgress progress)
    {
        _client = client;
        _snapshot = snapshot;
        _retry = retry;
        _stallTimeout = stallTimeout;
        _progress = progress;
    }

    public static string PartialPath(string finalPath) => finalPath + ".partial";

    /// <summary>Makes <paramref name="finalPath"/> hold the verified content of <paramref name="file"/>; true when it had to be downloaded.</summary>
    public async Task<bool> FetchAsync(HubFile file, string finalPath, CancellationToken cancellationToken)
    {
        if (await IsInPlaceAsync(file, finalPath, cancellationToken))
        {
            _progress.FileCompleted(file, alreadyPresent: true);
            return false;
        }

        var partialPath = PartialPath(finalPath);
        CreateParentFolder(finalPath);
        using var hasher = new ContentHasher(file);
        var state = new TransferState(await HashPartialAsync(file, partialPath, hasher, cancellationToken));
        var resumedFromEarlierRun = state.Offset > 0;
        _progress.FileStarted(file, state.Offset);
        while (true)
        {
            await TransferWithRetriesAsync(file, partialPath, hasher, state, cancellationToken);
            var actual = hasher.Finish();
            if (hasher.Expected is null || actual == hasher.Expected)
                break;

            DeleteIfPresent(partialPath);
            if (resumedFromEarlierRun)
            {
                // The bytes left by an earlier run may belong to another version of the file: one fresh try.
                resumedFromEarlierRun = false;
                hasher.Reset();
                state.Offset = 0;
                _progress.FileRestarted(file, "the partial download left by an earlier run did not verify; starting the file over");
                continue;
            }

            var kind = file.Sha256 is not null ? "sha256" : "git blob id";
            throw new HubException(HubErrorKind.ChecksumMismatch,
                $"{file.Path}: the downloaded bytes have {kind} {actual}, but the Hub lists {hasher.Expected}. The corrupt download was deleted. " +
                $"Run the command again; if it fails the same way, something between you and {_client.Endpoint.Host} (a proxy or mirror) alters the file.");
        }

        try
        {
            File.Move(partialPath, finalPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot move the verified download into place at {finalPath}: {e.Message}", e);
        }

        _progress.FileCompleted(file, alreadyPresent: false);
        return true;
    }

    private async Task TransferWithRetriesAsync(HubFile file, string partialPath, ContentHasher hasher, TransferState state, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            var before = state.Offset;
            try
            {
                await TransferOnceAsync(file, partialPath, hasher, state, cancellationToken);
                return;
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                // Failures count only while no bytes arrive: a flaky link that keeps making progress is never given up on.
                failures = state.Offset > before ? 1 : failures + 1;
                if (failures >= _retry.MaxAttempts)
                {
                    throw new HubException(HubErrorKind.Unavailable,
                        $"{file.Path}: the download failed {failures} times in a row ({e.Message}). {state.Offset} of {file.Size} bytes are saved in " +
                        $"{partialPath}; run the same command again to resume.", e);
                }

                if (e is HubTransientException { RestartFile: true })
                    Restart(file, partialPath, hasher, state, e.Message);
                var delay = _retry.DelayFor(failures, (e as HubTransientException)?.RetryAfter);
                _progress.Retrying(file, e.Message, failures, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private async Task TransferOnceAsync(HubFile file, string partialPath, ContentHasher hasher, TransferState state, CancellationToken cancellationToken)
    {
        if (state.Offset == file.Size)
        {
            // Nothing left to fetch (an empty file, or a complete partial from an earlier run): make sure it exists.
            await using (OpenPartial(partialPath, state.Offset)) { }
            return;
        }

        using var content = await _client.OpenFileAsync(_snapshot.Repo, _snapshot.Commit, file, state.Offset, cancellationToken);
        CheckHubHeaders(file, content);
        if (content.StartOffset != state.Offset)
        {
            if (content.StartOffset != 0)
                throw new HubException(HubErrorKind.InvalidResponse, $"Asked for {file.Path} from byte {state.Offset}, the server sent it from byte {content.StartOffset}.");
            Restart(file, partialPath, hasher, state, "the server does not support resuming; starting the file over");
        }

        if (content.Length is { } length && state.Offset + length != file.Size)
        {
            throw new HubException(HubErrorKind.InvalidResponse,
                $"The server is sending {state.Offset + length} bytes for {file.Path}, but the Hub lists {file.Size}. The repository may have changed: run the command again.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            await using var output = OpenPartial(partialPath, state.Offset);
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                stall.CancelAfter(_stallTimeout);
                int read;
                try
                {
                    read = await content.Body.ReadAsync(buffer.AsMemory(0, ReadBufferSize), stall.Token);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {_stallTimeout.TotalSeconds:0} s", e);
                }

                if (read == 0)
                    break;
                if (state.Offset + read > file.Size)
                {
                    await output.DisposeAsync();
                    DeleteIfPresent(partialPath);
                    throw new HubException(HubErrorKind.ChecksumMismatch,
                        $"{file.Path}: the server sent more than the {file.Size} bytes the Hub lists. The download was deleted; run the command again.");
                }

                await WriteAsync(output, buffer.AsMemory(0, read), partialPath, file, state, cancellationToken);
                hasher.Append(buffer.AsSpan(0, read));
                state.Offset += read;
                _progress.BytesReceived(file, read);
            }

            if (state.Offset < file.Size)
                throw new HubTransientException($"the connection closed after {state.Offset} of {file.Size} bytes");
            await FlushToDiskAsync(output, partialPath, file, state, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The Hub's own headers must agree with the tree listing the pull was planned from.</summary>
    private void CheckHubHeaders(HubFile file, HubContent content)
    {
        var headers = content.Headers;
        if (headers.RepoCommit is { } commit && !commit.Equals(_snapshot.Commit, StringComparison.OrdinalIgnoreCase))
            throw new HubException(HubErrorKind.InvalidResponse, $"The Hub served {file.Path} from commit {commit}, not from the pinned commit {_snapshot.Commit}.");
        if (headers.LinkedSize is { } size && size != file.Size)
            throw new HubException(HubErrorKind.InvalidResponse, $"The Hub's headers give {file.Path} {size} bytes, its file list {file.Size}: run the command again.");
        // huggingface_hub documents the ETag as the sha256 of an LFS file and the git blob id of a file in git;
        // for Xet-backed files (X-Xet-Hash) it is not documented, so there only the content check below applies.
        var expected = file.Sha256 ?? file.GitBlobId;
        if (headers.Etag is { } etag && !headers.IsXet && expected is not null && etag.Length == expected.Length &&
            !etag.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"The Hub's headers give {file.Path} the checksum {etag}, its file list {expected}: run the command again.");
        }
    }

    private void Restart(HubFile file, string partialPath, ContentHasher hasher, TransferState state, string reason)
    {
        DeleteIfPresent(partialPath);
        hasher.Reset();
        state.Offset = 0;
        _progress.FileRestarted(file, reason);
    }

    /// <summary>Feeds the bytes of an earlier run's partial file into the hash; returns how many there are.</summary>
    private static async Task<long> HashPartialAsync(HubFile file, string partialPath, ContentHasher hasher, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(partialPath);
            if (!info.Exists)
                return 0;
            if (info.Length > file.Size)
            {
                info.Delete();
                return 0;
            }

            return await HashFileAsync(partialPath, info.Length, hasher, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot read the partial download {partialPath}: {e.Message}", e);
        }
    }

    /// <summary>True when the file is already in place with the Hub's size and checksum.</summary>
    private static async Task<bool> IsInPlaceAsync(HubFile file, string finalPath, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(finalPath);
            if (!info.Exists || info.Length != file.Size)
                return false;
            using var hasher = new ContentHasher(file);
            await HashFileAsync(finalPath, info.Length, hasher, cancellationToken);
            return hasher.Expected is null || hasher.Finish() == hasher.Expected;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot read {finalPath} to check it: {e.Message}", e);
        }
    }

    /// <summary>Hashes the first <paramref name="length"/> bytes (the size seen before opening: never more, should the file grow).</summary>
    private static async Task<long> HashFileAsync(string path, long length, ContentHasher hasher, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            await using var input = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            });
            long total = 0;
            int read;
            while (total < length &&
                   (read = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(HashBufferSize, length - total)), cancellationToken)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FileStream OpenPartial(string partialPath, long offset)
    {
        try
        {
            var stream = new FileStream(partialPath, new FileStreamOptions
            {
                Mode = offset == 0 ? FileMode.Create : FileMode.Open,
                Access = FileAccess.Write,
                // A second pull into the same folder must not write the same partial file.
                Share = FileShare.None,
                // Unbuffered: each network chunk is written at once, so a write error (a full disk) surfaces in
                // WriteAsync, never later from Dispose flushing a buffer that can no longer be written.
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            });
            if (offset > 0)
                stream.Seek(offset, SeekOrigin.Begin);
            return stream;
        }
        catch (IOException e)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot open {partialPath} for writing ({e.Message}). Is another pull writing to the same folder?", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot write {partialPath}: {e.Message}", e);
        }
    }

    private static async Task WriteAsync(FileStream output, ReadOnlyMemory<byte> bytes, string partialPath, HubFile file, TransferState state, CancellationToken cancellationToken)
    {
        try
        {
            await output.WriteAsync(bytes, cancellationToken);
        }
        catch (IOException e)
        {
            throw LocalWriteFailure(e, partialPath, file, state);
        }
    }

    private static async Task FlushToDiskAsync(FileStream output, string partialPath, HubFile file, TransferState state, CancellationToken cancellationToken)
    {
        try
        {
            await output.FlushAsync(cancellationToken);
            // On disk before the rename, so that a power cut cannot leave a verified name over missing bytes.
            output.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw LocalWriteFailure(e, partialPath, file, state);
        }
    }

    private static HubException LocalWriteFailure(IOException e, string partialPath, HubFile file, TransferState state)
    {
        if (IsDiskFull(e))
        {
            return new HubException(HubErrorKind.DiskFull,
                $"The disk is full while writing {partialPath} ({state.Offset} of {file.Size} bytes saved). Free at least " +
                $"{ByteSize.Format(file.Size - state.Offset)} (more for the remaining files) or pull to a larger disk with --out, then run the " +
                "same command again: it resumes where it stopped.", e);
        }

        return new HubException(HubErrorKind.LocalIo, $"Cannot write {partialPath}: {e.Message}", e);
    }

    // ENOSPC (28) on Linux and macOS; ERROR_DISK_FULL (112) / ERROR_HANDLE_DISK_FULL (39) on Windows.
    private static bool IsDiskFull(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 112 or 39 : e.HResult == 28;

    private static void CreateParentFolder(string finalPath)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot create the folder for {finalPath}: {e.Message}", e);
        }
    }

    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot delete {path}: {e.Message}", e);
        }
    }

    /// <summary>How many bytes of the file are on disk (and in the hash); shared by the attempts of one file.</summary>
    private sealed class TransferState(long offset)
    {
        public long Offset { get; set; } = offset;
    }
}
