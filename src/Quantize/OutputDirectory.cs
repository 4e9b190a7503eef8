namespace EdgePali.Quantize;

/// <summary>
/// Writes an output folder all-or-nothing: everything goes to a sibling temporary folder that is renamed into
/// place only after the writer succeeded, and deleted otherwise, so a failed or cancelled run never leaves a
/// half-written model or checkpoint that looks complete.
/// </summary>
public static class OutputDirectory
{
    public static void WriteAtomically(string outDir, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteAtomicallyAsync(outDir, dir =>
        {
            write(dir);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
    }

    /// <param name="overwrite">Replace an existing non-empty folder, only once the new content is complete.</param>
    public static async Task WriteAtomicallyAsync(string outDir, Func<string, Task> write, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        if (!overwrite && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new IOException($"Output folder '{full}' already exists and is not empty; choose a new --out folder or delete it first.");
        var parent = Path.GetDirectoryName(full) ?? throw new IOException($"'{full}' has no parent folder.");
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            await write(temp).ConfigureAwait(false);
            if (Directory.Exists(full))
            {
                // The old content is moved aside, not deleted, until the new folder is in place (restored if that fails).
                var old = Path.Combine(parent, $".{Path.GetFileName(full)}.old-{Guid.NewGuid():N}");
                Directory.Move(full, old);
                try
                {
                    Directory.Move(temp, full);
                }
                catch
                {
                    Directory.Move(old, full);
                    throw;
                }

                TryDelete(old);
                return;
            }

            Directory.Move(temp, full);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the original failure is what the user must see.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
