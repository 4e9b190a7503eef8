using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Testing;

/// <summary>
/// What a tiny random-weight package is built from: the checkpoint preset and seed, and the builder options.
/// Equal specs give byte-identical packages, so one build serves every test that asks for it.
/// </summary>
public sealed record TinyPackageSpec(
    TestCheckpointPreset Preset,
    int Seed,
    WeightFormat Weights,
    GraphLayout Graph = GraphLayout.Standard,
    DecoderLogits Logits = DecoderLogits.LastPosition)
{
    /// <summary>A readable folder name; the cache key adds the hash of everything.</summary>
    public string Name => $"{Preset}-s{Seed}-{Weights}-{Graph}-{Logits}".ToLowerInvariant();
}

/// <summary>
/// One content-keyed cache of tiny packages (and other generated test inputs) shared by every test class and test
/// project of a run: each entry is built once, into <c>$TMPDIR/edgepali-tiny-packages/&lt;name&gt;-&lt;key&gt;</c>.
/// The key hashes the recipe and the identity of the code that builds it (the module version ids of the builder
/// assemblies, which deterministic builds change exactly when their code changes), so a changed builder never
/// serves a stale package. Parallel test processes build an entry once between them: a lock file serialises the
/// build, which goes to a staging folder renamed into place (atomic), so a reader sees a whole entry or none.
/// Entries are shared and read-only by contract: a test that changes package files copies the package first.
/// </summary>
public static class TinyPackageCache
{
    /// <summary>Entries unused for this long are removed (old builder versions pile up otherwise).</summary>
    private static readonly TimeSpan Unused = TimeSpan.FromDays(3);

    /// <summary>How long a process waits for another one building the same entry.</summary>
    private static readonly TimeSpan BuildWait = TimeSpan.FromMinutes(15);

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> InProcess = new(StringComparer.Ordinal);

    private static readonly Lazy<string> CodeIdentity = new(() => string.Join(',',
        new[] { typeof(PackageBuilder).Assembly, typeof(Vision.Packages.ModelPackage).Assembly, typeof(TinyPackageCache).Assembly }
            .Select(a => a.ManifestModule.ModuleVersionId.ToString("N"))));

    private static readonly Lazy<bool> Pruned = new(PruneUnused);

    /// <summary>The cache folder.</summary>
    public static string Root => Path.Combine(Path.GetTempPath(), "edgepali-tiny-packages");

    /// <summary>The folder of a tiny package built by the real builder from a random checkpoint.</summary>
    public static Task<string> PackageAsync(TinyPackageSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return GetOrBuildAsync(spec.Name, spec.ToString(), async folder =>
        {
            var checkpoint = await CheckpointAsync(spec.Preset, spec.Seed).ConfigureAwait(false);
            await PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, folder, spec.Weights, Logits: spec.Logits, Graph: spec.Graph)).ConfigureAwait(false);
        });
    }

    /// <summary>The folder of a random-weight checkpoint (Hugging Face layout) of <paramref name="preset"/>.</summary>
    public static Task<string> CheckpointAsync(TestCheckpointPreset preset, int seed) =>
        GetOrBuildAsync($"checkpoint-{preset}-s{seed}".ToLowerInvariant(), $"checkpoint {preset} {seed}", folder =>
        {
            TestCheckpoint.Write(folder, preset, seed);
            return Task.CompletedTask;
        });

    /// <summary>
    /// The folder holding what <paramref name="build"/> writes into the folder it is given, built once for this
    /// <paramref name="recipe"/>. The recipe must name every input of the build besides the EdgePali library code
    /// (source packages, options, seeds, and a version the caller bumps when it changes the build steps).
    /// </summary>
    public static Task<string> GetOrBuildAsync(string name, string recipe, Func<string, Task> build)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(build);
        var key = name + "-" + Hash(recipe + "|" + CodeIdentity.Value);
        return InProcess.GetOrAdd(key, k => new Lazy<Task<string>>(() => BuildOnceAsync(k, build))).Value;
    }

    private static async Task<string> BuildOnceAsync(string key, Func<string, Task> build)
    {
        _ = Pruned.Value;
        var entry = Path.Combine(Root, key);
        if (Directory.Exists(entry))
        {
            Touch(entry);
            return entry;
        }

        using (await LockAsync(Path.Combine(Root, key + ".lock")).ConfigureAwait(false))
        {
            if (Directory.Exists(entry))
            {
                return entry;
            }

            var staging = Path.Combine(Root, $"{key}.building-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            try
            {
                await build(staging).ConfigureAwait(false);
                Directory.Move(staging, entry);
            }
            catch
            {
                Directory.Delete(staging, recursive: true);
                throw;
            }
        }

        return entry;
    }

    /// <summary>
    /// An exclusive lock between processes: on Linux .NET takes an advisory flock for FileShare.None, released when
    /// the stream closes (also when the process dies, so a crashed build never blocks the next run).
    /// </summary>
    private static async Task<FileStream> LockAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + BuildWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            }
        }
    }

    private static bool PruneUnused()
    {
        if (!Directory.Exists(Root))
        {
            return true;
        }

        foreach (var path in Directory.EnumerateFileSystemEntries(Root))
        {
            try
            {
                if (Directory.Exists(path) && DateTime.UtcNow - Directory.GetLastWriteTimeUtc(path) > Unused)
                {
                    Directory.Delete(path, recursive: true);
                }
                else if (File.Exists(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > Unused)
                {
                    File.Delete(path); // the lock file of an entry gone or unused
                }
            }
            catch (IOException)
            {
                // Another process is using or removing it: leave it.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return true;
    }

    /// <summary>Marks an entry as used, so pruning keeps it.</summary>
    private static void Touch(string entry)
    {
        try
        {
            Directory.SetLastWriteTimeUtc(entry, DateTime.UtcNow);
        }
        catch (IOException)
        {
        }
    }

    private static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
