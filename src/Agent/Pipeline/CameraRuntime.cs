using System.Globalization;
using EdgePali.Agent.Options;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// One camera in the pipeline: who it is (configuration, parsed source, capture state, motion), the latest-frame slot
/// filled by capture, and the parts the stages share: <see cref="Counters"/>, the <see cref="TaskSchedule"/>, the
/// <see cref="PendingFrame"/> (Gate -> Infer hand-over: one frame, the newest that passed the gate, plus the names of
/// the tasks due on it, all taken together) and the <see cref="SimilarityCache"/>. One lock guards the schedule, the
/// pending frame and the cache, so a frame, its due tasks and the remembered results never disagree; it is held only
/// for copies and bookkeeping.
/// </summary>
internal sealed class CameraRuntime
{
    private readonly Lock _lock = new();
    private readonly TaskSchedule _schedule;
    private readonly PendingFrame _pending = new();
    private readonly SimilarityCache _similarity = new();
    private int _state;
    private int _motion;

    public CameraRuntime(CameraOptions options)
    {
        Options = options;
        Source = CameraSource.Parse(options.Source);
        Counters = new CameraCounters(Slot);
        _schedule = new TaskSchedule(options);
        _state = (int)(options.Enabled ? CameraState.Connecting : CameraState.Disabled);
        ConfiguredSettings = GetSettings();
    }

    /// <summary>The settings from the configuration file, whatever remote commands changed since (what the `reset` op returns to).</summary>
    public CameraSettings ConfiguredSettings { get; }

    public CameraOptions Options { get; }

    public string Name => Options.Name;

    public CameraSource Source { get; }

    public LatestFrameSlot Slot { get; } = new();

    public CameraCounters Counters { get; }

    /// <summary>Tasks with a remembered feature vector and result (for tests and stats).</summary>
    public int LastAnalysedCount
    {
        get
        {
            lock (_lock)
                return _similarity.Count;
        }
    }

    public CameraState State
    {
        get => (CameraState)Volatile.Read(ref _state);
        set
        {
            if (Interlocked.Exchange(ref _state, (int)value) != (int)value)
                StateChanged?.Invoke(this);
        }
    }

    /// <summary>Raised on the capture loop after <see cref="State"/> changed (stats are published at once, not at the next interval).</summary>
    public event Action<CameraRuntime>? StateChanged;

    /// <summary>The last capture problem, for logs and stats.</summary>
    public string? LastError { get; set; }

    public bool Motion => Volatile.Read(ref _motion) != 0;

    public bool Enabled
    {
        get
        {
            lock (_lock)
                return _schedule.Enabled;
        }
    }

    /// <summary>Tasks due on the pending frame (0 when nothing waits): the Gate -> Infer queue depth.</summary>
    public int PendingDepth
    {
        get
        {
            lock (_lock)
                return _schedule.DueCount;
        }
    }

    /// <summary>Sets the motion state; true when it changed.</summary>
    public bool SetMotion(bool motion) => Interlocked.Exchange(ref _motion, motion ? 1 : 0) != (motion ? 1 : 0);

    /// <summary>
    /// Hands a frame to the model when the gate finds any task due on it (<paramref name="isDue"/>): copies it into
    /// the pending frame (replacing an older frame nobody analysed yet: dropped and counted). False, and counted as
    /// gated, when no task is due.
    /// </summary>
    public bool OfferFrame<TState>(FrameBuffer frame, TState state, Func<ScheduledTask, TState, bool> isDue)
    {
        lock (_lock)
        {
            if (!_schedule.MarkDue(state, isDue))
            {
                Counters.RecordGated();
                return false;
            }

            if (_pending.Replace(frame))
                Counters.RecordPendingDropped();
            return true;
        }
    }

    /// <summary>A GPIO input fired: the camera's "gpio" tasks become due (subject to their interval).</summary>
    public void FireGpio()
    {
        lock (_lock)
            _schedule.FireGpio();
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
            if (_schedule.DueCount == 0 || _pending.IsEmpty)
                return false;
            if ((now - _pending.Timestamp).TotalSeconds > Options.MaxFrameAgeSeconds)
            {
                if (_pending.Discard())
                    Counters.RecordPendingDropped();
                return false;
            }

            _schedule.TakeDue(now, tasks);
            if (tasks.Count == 0)
                return false;
            _pending.TakeCopy(target);
            return true;
        }
    }

    /// <summary>The last feature vector and result of the task called <paramref name="taskName"/>, for the similarity gate.</summary>
    public bool TryGetLastAnalysed(string taskName, out (float[] Features, AnalysisResult Result) last)
    {
        lock (_lock)
            return _similarity.TryGet(taskName, out last);
    }

    /// <summary>Remembers the features and result of an analysis; ignored when the task is no longer scheduled.</summary>
    public void SetLastAnalysed(string taskName, float[] features, AnalysisResult result)
    {
        lock (_lock)
        {
            if (_schedule.Contains(taskName))
                _similarity.Set(taskName, features, result);
        }
    }

    /// <summary>The task called <paramref name="name"/> as currently scheduled, or null.</summary>
    public ScheduledTask? FindTask(string name)
    {
        lock (_lock)
            return _schedule.Find(name);
    }

    public CameraSettings GetSettings()
    {
        lock (_lock)
            return new CameraSettings(Name, _schedule.Enabled, [.. _schedule.Settings]);
    }

    /// <summary>Applies new settings all-or-nothing; returns an error naming the field, or null when applied.</summary>
    public string? ApplySettings(CameraSettings desired)
    {
        if (_schedule.Build(desired, out var error) is not { } scheduled)
            return error;
        var names = scheduled.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            _schedule.Apply(scheduled, desired.Enabled);
            _similarity.Retain(names);
        }

        return null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Source.Redacted})");
}
