using System.Text.Json;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Control;

/// <summary>
/// Keeps the camera settings changed by remote commands in `{Agent:StateDirectory}/remote-settings.json`, so they
/// survive a restart (a power cut, an update) instead of silently going back to the configuration file. Only cameras
/// whose settings differ from the configuration file are kept; the `reset` op (settings equal to the file's again)
/// drops the camera's entry. Each write replaces the whole file atomically (temp file + rename), so a crash leaves
/// the old or the new file, never half of one. A file that cannot be read is reported, set aside and ignored.
/// </summary>
internal sealed class RemoteSettingsStore
{
    public const string FileName = "remote-settings.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
    private readonly object _lock = new();
    private readonly ILogger<RemoteSettingsStore> _logger;
    private Dictionary<string, StoredCamera> _cameras = new(StringComparer.Ordinal);

    public RemoteSettingsStore(IOptions<AgentOptions> agent, ILogger<RemoteSettingsStore> logger)
    {
        ArgumentNullException.ThrowIfNull(agent);
        Path = System.IO.Path.Combine(agent.Value.ResolvedStateDirectory, FileName);
        _logger = logger;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Applies the kept settings to the cameras, at start, before anything reads or publishes them.</summary>
    public void RestoreInto(CameraRegistry cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        lock (_lock)
        {
            _cameras = Load();
            foreach (var (name, stored) in _cameras.ToList())
            {
                var camera = cameras.Find(name);
                var error = camera is null
                    ? "the camera is no longer in the configuration"
                    : camera.ApplySettings(stored.ToSettings(name));
                if (error is null)
                {
                    _logger.LogInformation("Camera {Camera}: settings changed remotely restored from {Path} ({Tasks} tasks, enabled {Enabled}); the set op reset returns to the configuration file's",
                        name, Path, stored.Tasks.Count, stored.Enabled);
                    continue;
                }

                _logger.LogWarning("Camera {Camera}: the settings kept in {Path} are not applied ({Error}); the configuration file's apply", name, Path, error);
                _cameras.Remove(name);
            }
        }
    }

    /// <summary>
    /// Records a camera's settings after a remote change: kept when they differ from <paramref name="configured"/>,
    /// dropped when equal. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the file cannot be written.
    /// </summary>
    public void Record(CameraSettings current, CameraSettings configured)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(configured);
        var stored = StoredCamera.From(current);
        var unchanged = JsonSerializer.Serialize(stored, Json) == JsonSerializer.Serialize(StoredCamera.From(configured), Json);
        lock (_lock)
        {
            var next = new Dictionary<string, StoredCamera>(_cameras, StringComparer.Ordinal);
            if (unchanged)
                next.Remove(current.Camera);
            else
                next[current.Camera] = stored;
            Write(next);
            _cameras = next;
        }
    }

    private Dictionary<string, StoredCamera> Load()
    {
        try
        {
            using var file = File.OpenRead(Path);
            var document = JsonSerializer.Deserialize<StoredFile>(file, Json)
                ?? throw new JsonException("the file holds null");
            if (document.Version != StoredFile.CurrentVersion)
                throw new JsonException($"version {document.Version} is not {StoredFile.CurrentVersion}");
            var cameras = new Dictionary<string, StoredCamera>(StringComparer.Ordinal);
            foreach (var (name, camera) in document.Cameras ?? [])
            {
                if (camera?.Tasks is null || camera.Tasks.Any(t => t is null || t.Name is null || t.Task is null || !Enum.TryParse<TaskTrigger>(t.Trigger, ignoreCase: true, out _)))
                    throw new JsonException($"camera '{name}' lacks enabled/tasks, or a task lacks name/task or has an unknown trigger");
                cameras[name] = camera;
            }

            return cameras;
        }
        catch (FileNotFoundException)
        {
            return new(StringComparer.Ordinal);
        }
        catch (DirectoryNotFoundException)
        {
            return new(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Not fatal: the worker runs with the configuration file's settings. The file is moved aside so the next
            // change does not overwrite what someone may want to look at.
            var aside = Path + ".unreadable";
            var moved = TryMove(Path, aside);
            _logger.LogWarning("Cannot read the settings changed remotely from {Path} ({Reason}); running with the configuration file's settings. {Aside}",
                Path, e.Message, moved ? $"The file was moved to {aside}; delete it once inspected." : "Delete or fix the file.");
            return new(StringComparer.Ordinal);
        }
    }

    private void Write(Dictionary<string, StoredCamera> cameras)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, new StoredFile(StoredFile.CurrentVersion, cameras), Json);
            // On disk before the rename, so a power cut after it cannot leave an empty file under the real name.
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private static bool TryMove(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private sealed record StoredFile(int Version, Dictionary<string, StoredCamera>? Cameras)
    {
        public const int CurrentVersion = 1;
    }

    private sealed record StoredCamera(bool Enabled, List<StoredTask> Tasks)
    {
        public static StoredCamera From(CameraSettings settings) => new(settings.Enabled, [.. settings.Tasks.Select(StoredTask.From)]);

        public CameraSettings ToSettings(string camera) => new(camera, Enabled, [.. Tasks.Select(t => t.ToSettings())]);
    }

    private sealed record StoredTask(string Name, string Task, string? Prompt, List<string>? Labels, string Trigger, double IntervalS, bool Enabled)
    {
        public static StoredTask From(TaskSettings task) =>
            new(task.Name, task.Kind, task.Prompt, [.. task.Labels], task.Trigger.ToString().ToLowerInvariant(), task.Interval.TotalSeconds, task.Enabled);

        public TaskSettings ToSettings() =>
            new(Name, Task, Prompt, Labels ?? [], Enum.Parse<TaskTrigger>(Trigger, ignoreCase: true), TimeSpan.FromSeconds(IntervalS), Enabled);
    }
}
