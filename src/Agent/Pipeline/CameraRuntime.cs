using System.Globalization;
using EdgePali.Agent.Options;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// Everything the pipeline knows about one camera: its configuration, the latest-frame slot filled by
/// capture, the pending analysis filled by the gate (Gate -> Infer hand-over: one frame, the newest that
/// passed the gate, plus the names of the tasks due on it, all taken together), the task schedule and the counters.
/// One lock guards the schedule and the pending analysis; it is held only for copies and bookkeeping.
/// </summary>
internal sealed class CameraRuntime
{
    private readonly Lock _lock = new();
    private readonly FrameBuffer _pendingFrame = new();
    private readonly List<string> _due = [];
    private readonly Dictionary<string, int> _configuredMaxTokens;
    private readonly Dictionary<string, bool> _configuredConstrained;

    // The last feature vector and result per task, for the feature-similarity gate (2-36 MiB each). Held only
    // for tasks that are scheduled now, so its size is bounded by the task count: removed or renamed tasks drop
    // their entry when the settings change, and a result of a task removed mid-analysis is not stored.
    private readonly Dictionary<string, (float[] Features, AnalysisResult Result)> _lastAnalysed = new(StringComparer.Ordinal);
    private List<ScheduledTask> _tasks;
    private bool _enabled;
    private bool _pendingFrameUsed;
    private long _framesCaptured;
    private long _framesGated;
    private long _framesDroppedPending;
    private long _analyses;
    private long _analysesFailed;
    private long _reconnects;
    private long _lastFrameTicks;
    private double _frameIntervalEmaSeconds;
    private int _state;
    private int _motion;

    public CameraRuntime(CameraOptions options)
    {
        Options = options;
        Source = CameraSource.Parse(options.Source);
        _enabled = options.Enabled;
        _configuredMaxTokens = options.Tasks.ToDictionary(t => t.ResolvedName, t => t.MaxNewTokens, StringComparer.Ordinal);
        _configuredConstrained = options.Tasks.ToDictionary(t => t.ResolvedName, t => t.Constrained, StringComparer.Ordinal);
        _tasks = [.. options.Tasks.Select(t => Schedule(ToSettings(t)))];
        _state = (int)(options.Enabled ? CameraState.Connecting : CameraState.Disabled);
    }

    public CameraOptions Options { get; }

    public string Name => Options.Name;

    public CameraSource Source { get; }

    public LatestFrameSlot Slot { get; } = new();

    /// <summary>Tasks with a remembered feature vector and result (for tests and stats).</summary>
    public int LastAnalysedCount
    {
        get
        {
            lock (_lock)
                return _lastAnalysed.Count;
        }
    }

    public CameraState State
    {
        get => (CameraState)Volatile.Read(ref _state);
        set => Volatile.Write(ref _state, (int)value);
    }

    /// <summary>The last capture problem, for logs and stats.</summary>
    public string? LastError { get; set; }

    public bool Motion => Volatile.Read(ref _motion) != 0;

    public long FramesCaptured => Interlocked.Read(ref _framesCaptured);

    public long FramesGated => Interlocked.Read(ref _framesGated);

    /// <summary>Frames dropped as stale anywhere: replaced in the capture slot, replaced while pending, or too old when the model got to them.</summary>
    public long FramesDropped => Slot.Dropped + Interlocked.Read(ref _framesDroppedPending);

    public long Analyses => Interlocked.Read(ref _analyses);

    /// <summary>Analyses of this camera that ended in an error (not cancellations) since start.</summary>
    public long AnalysesFailed => Interlocked.Read(ref _analysesFailed);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Capture time of the last frame (UTC ticks), 0 before the first.</summary>
    public long LastFrameTicks => Interlocked.Read(ref _lastFrameTicks);

    /// <summary>Frames per second captured, from a moving average of the gaps between frames.</summary>
    public double CapturedFps(DateTimeOffset now)
    {
        var last = LastFrameTicks;
        var ema = Volatile.Read(ref _frameIntervalEmaSeconds);
        if (last == 0 || ema <= 0)
            return 0;
        var sinceLast = (now.UtcTicks - last) / (double)TimeSpan.TicksPerSecond;
        // After a gap longer than the usual interval the rate is falling: report what the gap implies.
        return 1.0 / Math.Max(ema, sinceLast);
    }

    public bool Enabled
    {
        get
        {
            lock (_lock)
                return _enabled;
        }
    }

    /// <summary>Tasks due on the pending frame (0 when nothing waits): the Gate -> Infer queue depth.</summary>
    public int PendingDepth
    {
        get
        {
            lock (_lock)
                return _due.Count;
        }
    }

    public void RecordFrame(DateTimeOffset timestamp)
    {
        Interlocked.Increment(ref _framesCaptured);
        var previous = Interlocked.Exchange(ref _lastFrameTicks, timestamp.UtcTicks);
        if (previous == 0)
            return;
        var gap = (timestamp.UtcTicks - previous) / (double)TimeSpan.TicksPerSecond;
        var ema = Volatile.Read(ref _frameIntervalEmaSeconds);
        Volatile.Write(ref _frameIntervalEmaSeconds, ema <= 0 ? gap : (0.9 * ema) + (0.1 * gap));
    }

    public void RecordReconnect() => Interlocked.Increment(ref _reconnects);

    public void RecordAnalysis() => Interlocked.Increment(ref _analyses);

    public void RecordFailedAnalysis() => Interlocked.Increment(ref _analysesFailed);

    /// <summary>Sets the motion state; true when it changed.</summary>
    public bool SetMotion(bool motion) => Interlocked.Exchange(ref _motion, motion ? 1 : 0) != (motion ? 1 : 0);

    /// <summary>
    /// The gate's decision for one frame: when any task is due copies the frame into the
    /// pending analysis (replacing an older frame nobody analysed yet: dropped and counted). False when the
    /// frame was gated out.
    /// </summary>
    public bool OfferFrame(FrameBuffer frame, bool motion)
    {
        lock (_lock)
        {
            var offered = false;
            if (_enabled)
            {
                foreach (var task in _tasks)
                {
                    if (!task.IsDue(frame.Timestamp, motion))
                        continue;
                    offered = true;
                    if (!_due.Contains(task.Name))
                        _due.Add(task.Name);
                }
            }

            if (!offered)
            {
                Interlocked.Increment(ref _framesGated);
                return false;
            }

            if (!_pendingFrame.IsEmpty && !_pendingFrameUsed)
                Interlocked.Increment(ref _framesDroppedPending);
            frame.CopyTo(_pendingFrame);
            _pendingFrameUsed = false;
            return true;
        }
    }

    /// <summary>A GPIO input fired: the camera's "gpio" tasks become due (subject to their interval).</summary>
    public void FireGpio()
    {
        lock (_lock)
        {
            foreach (var task in _tasks.Where(t => t.Settings.Trigger == TaskTrigger.Gpio))
                task.Triggered = true;
        }
    }

    /// <summary>
    /// Takes every task due on the pending frame into <paramref name="tasks"/> (cleared first) and copies the frame into
    /// <paramref name="target"/>: the tasks run one after the other on that one frame, sharing its vision encode.
    /// A pending frame older than MaxFrameAgeSeconds is dropped and counted instead; its tasks stay due for a
    /// newer frame. False when there is no work.
    /// </summary>
    public bool TryTakeWork(FrameBuffer target, DateTimeOffset now, List<ScheduledTask> tasks)
    {
        tasks.Clear();
        lock (_lock)
        {
            if (_due.Count == 0 || _pendingFrame.IsEmpty)
                return false;
            if ((now - _pendingFrame.Timestamp).TotalSeconds > Options.MaxFrameAgeSeconds)
            {
                if (!_pendingFrameUsed)
                    Interlocked.Increment(ref _framesDroppedPending);
                _pendingFrame.SetSize(0, 0);
                return false;
            }

            foreach (var name in _due)
            {
                if (_enabled && _tasks.FirstOrDefault(t => t.Name == name) is { } task)
                {
                    task.LastStarted = now;
                    task.Triggered = false;
                    tasks.Add(task);
                }
            }

            _due.Clear();
            if (tasks.Count == 0)
                return false;
            _pendingFrame.CopyTo(target);
            _pendingFrameUsed = true;
            return true;
        }
    }

    /// <summary>The last feature vector and result of the task called <paramref name="taskName"/>, for the similarity gate.</summary>
    public bool TryGetLastAnalysed(string taskName, out (float[] Features, AnalysisResult Result) last)
    {
        lock (_lock)
            return _lastAnalysed.TryGetValue(taskName, out last);
    }

    /// <summary>Remembers the features and result of an analysis; ignored when the task is no longer scheduled.</summary>
    public void SetLastAnalysed(string taskName, float[] features, AnalysisResult result)
    {
        lock (_lock)
        {
            if (_tasks.Exists(t => t.Name == taskName))
                _lastAnalysed[taskName] = (features, result);
        }
    }

    /// <summary>The task called <paramref name="name"/> as currently scheduled, or null.</summary>
    public ScheduledTask? FindTask(string name)
    {
        lock (_lock)
            return _tasks.FirstOrDefault(t => t.Name == name);
    }

    public CameraSettings GetSettings()
    {
        lock (_lock)
            return new CameraSettings(Name, _enabled, [.. _tasks.Select(t => t.Settings)]);
    }

    /// <summary>Applies new settings all-or-nothing; returns an error naming the field, or null when applied.</summary>
    public string? ApplySettings(CameraSettings desired)
    {
        var scheduled = new List<ScheduledTask>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < desired.Tasks.Count; i++)
        {
            var settings = desired.Tasks[i];
            if (TaskRules.NameProblem(settings.Name) is { } nameProblem)
                return $"tasks[{i}].name: {nameProblem}.";
            if (!names.Add(settings.Name))
                return $"tasks[{i}].name: '{settings.Name}' is used twice; task names are unique within a camera.";
            if (settings.Interval <= TimeSpan.Zero)
                return $"tasks[{i}].interval: must be more than 0 seconds.";
            if (!Enum.IsDefined(settings.Trigger))
                return $"tasks[{i}].trigger: unknown trigger {settings.Trigger}.";
            try
            {
                scheduled.Add(Schedule(settings));
            }
            catch (ArgumentException e)
            {
                return $"tasks[{i}]: {e.Message}";
            }
        }

        lock (_lock)
        {
            foreach (var task in scheduled)
            {
                // Keep the schedule of tasks that stay, so a change does not make them all run at once.
                if (_tasks.FirstOrDefault(t => t.Name == task.Name) is { } old)
                    (task.LastStarted, task.Triggered) = (old.LastStarted, old.Triggered);
            }

            _tasks = scheduled;
            _enabled = desired.Enabled;
            _due.RemoveAll(name => !names.Contains(name));
            foreach (var stale in _lastAnalysed.Keys.Where(name => !names.Contains(name)).ToList())
                _lastAnalysed.Remove(stale);
            if (!_enabled)
                _due.Clear();
        }

        return null;
    }

    // Token cap and constrained decoding come from the configuration file; tasks added at run time get the defaults.
    private ScheduledTask Schedule(TaskSettings settings) =>
        new(settings, settings.ToVisionTask().WithConstrained(_configuredConstrained.GetValueOrDefault(settings.Name, true)), _configuredMaxTokens.GetValueOrDefault(settings.Name));

    private static TaskSettings ToSettings(TaskOptions task) => new(
        task.ResolvedName,
        task.Task,
        string.IsNullOrWhiteSpace(task.Prompt) ? null : task.Prompt,
        [.. task.Labels],
        Enum.Parse<TaskTrigger>(task.Trigger, ignoreCase: true),
        TimeSpan.FromSeconds(task.IntervalSeconds),
        task.Enabled);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Source.Redacted})");
}
