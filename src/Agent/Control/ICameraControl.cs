using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Control;

/// <summary>
/// What remote commands (MQTT `set` and `ask`) may do to the running pipeline. The worker implements it over
/// its scheduler; the MQTT side validates the shape of a command, builds the complete desired settings and
/// hands them here. Implementations apply a change all-or-nothing and are safe to call from any thread.
/// </summary>
public interface ICameraControl
{
    /// <summary>The configured cameras' names, in configuration order.</summary>
    IReadOnlyList<string> CameraNames { get; }

    /// <summary>The camera's current settings, or null when no camera has that name.</summary>
    CameraSettings? GetSettings(string camera);

    /// <summary>The camera's settings from the configuration file (what the `reset` op returns to), or null when no camera has that name.</summary>
    CameraSettings? GetConfiguredSettings(string camera);

    /// <summary>
    /// Replaces the camera's settings with <paramref name="desired"/> (its <see cref="CameraSettings.Camera"/>
    /// names the camera). Rejects, without changing anything, what the pipeline cannot run; the outcome
    /// always carries the settings in force afterwards. Accepted settings are kept across restarts.
    /// </summary>
    ValueTask<SettingsChangeOutcome> ApplySettingsAsync(CameraSettings desired, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="task"/> on the camera's newest frame, outside the gates and the task schedule,
    /// and returns the analysis. Throws <see cref="CameraControlException"/> for conditions the asker should
    /// be told about (unknown camera, no frame captured yet, model not loaded).
    /// </summary>
    ValueTask<AskAnswer> AskAsync(string camera, VisionTask task, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the camera's configured task <paramref name="taskName"/> on its newest frame now, outside the gates
    /// and the trigger, and publishes the result as any result of that task (sequence number, task topic, result
    /// log, GPIO rules). Returns the result as published. Throws <see cref="CameraControlException"/> for what
    /// the sender should be told (unknown camera or task, disabled, no frame yet, model not loaded, queue full).
    /// </summary>
    ValueTask<Pipeline.PublishedResult> RunTaskAsync(string camera, string taskName, CancellationToken cancellationToken);
}
