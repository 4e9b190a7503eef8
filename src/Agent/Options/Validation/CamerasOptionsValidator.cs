using System.Globalization;
using EdgePali.Agent.Tasks;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>Checks section "Cameras": each camera, its motion gate and its tasks.</summary>
internal sealed class CamerasOptionsValidator : IValidateOptions<CamerasOptions>
{
    public ValidateOptionsResult Validate(string? name, CamerasOptions options)
    {
        var errors = new List<string>();
        if (options.Items.Count == 0)
            errors.Add("Cameras: the list is empty. Configure at least one camera, e.g. Cameras:0:Name=front and Cameras:0:Source=/dev/video0 (or remove the section for the testpattern demo camera).");

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Items.Count; i++)
        {
            var camera = options.Items[i];
            var key = $"Cameras:{i}";
            if (!SettingNames.IsTopicSafe(camera.Name))
                errors.Add($"{key}:Name: '{camera.Name}' is not a usable camera name. Use 1-64 letters, digits, '-' or '_' (it becomes an MQTT topic level).");
            else if (!names.Add(camera.Name))
                errors.Add($"{key}:Name: '{camera.Name}' is used by another camera. Give each camera its own name.");
            ValidateSource(key, camera, errors);
            ValidateCapture(key, camera, errors);
            ValidateMotion($"{key}:Motion", camera.Motion, errors);
            ValidateTasks(key, camera.Tasks, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Messages quote the source only through <see cref="CameraSource.Redact"/>: a URL's password never reaches the terminal or the journal.</summary>
    private static void ValidateSource(string key, CameraOptions camera, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(camera.SourceFile) && !camera.SourceReadFromFile)
        {
            errors.Add(!string.IsNullOrWhiteSpace(camera.Source)
                ? $"{key}: Source and SourceFile are both set. Keep one (SourceFile for a URL with a password)."
                : SecretFile.Problem($"{key}:SourceFile", camera.SourceFile) ?? $"{key}:SourceFile: '{camera.SourceFile}' cannot be read by the service user. Make it readable (a systemd credential is).");
            return;
        }

        var setting = camera.SourceReadFromFile ? $"{key}:SourceFile" : $"{key}:Source";
        if (string.IsNullOrWhiteSpace(camera.Source))
        {
            errors.Add(camera.SourceReadFromFile
                ? $"{setting}: '{camera.SourceFile}' is empty. Its first line must be the source, e.g. rtsp://user:password@camera/stream."
                : $"{setting}: is empty. Set a device (/dev/video0 or 0), an rtsp:// or http:// URL, a video file, or 'testpattern'.");
            return;
        }

        var source = CameraSource.Parse(camera.Source);
        var shown = CameraSource.Redact(camera.Source);
        if (source.Kind == CameraSourceKind.File && !File.Exists(source.Location))
            errors.Add($"{setting}: '{shown}' is not a device, URL or 'testpattern', and no such file exists. Correct the path, or use /dev/videoN, rtsp://..., or testpattern.");
        if (!SettingNames.Backends.Contains(camera.Backend))
            errors.Add($"{key}:Backend: '{camera.Backend}' is unknown. Use one of {string.Join(", ", SettingNames.Backends)}.");
        else if (camera.Backend == "v4l2" && source.Kind != CameraSourceKind.Device)
            errors.Add($"{key}:Backend: 'v4l2' reads V4L2 devices only, but the source is '{shown}'. Use Backend=opencv (or auto) for files, URLs and testpattern.");
    }

    private static void ValidateCapture(string key, CameraOptions camera, List<string> errors)
    {
        if (camera.Width < 0 || camera.Height < 0 || (camera.Width == 0) != (camera.Height == 0))
            errors.Add($"{key}:Width/Height: give both as positive pixels (e.g. 640 and 480) or neither (got {camera.Width}x{camera.Height}).");
        if (camera.Fps < 0)
            errors.Add($"{key}:Fps: must be 0 (no cap) or more (got {Num(camera.Fps)}). Set e.g. 5.");
        if (!(camera.MaxFrameAgeSeconds > 0))
            errors.Add($"{key}:MaxFrameAgeSeconds: must be more than 0 (got {Num(camera.MaxFrameAgeSeconds)}). Set e.g. 2.");
        if (!(camera.ReconnectInitialSeconds > 0))
            errors.Add($"{key}:ReconnectInitialSeconds: must be more than 0 (got {Num(camera.ReconnectInitialSeconds)}). Set e.g. 1.");
        if (!(camera.ReconnectMaxSeconds >= camera.ReconnectInitialSeconds))
            errors.Add($"{key}:ReconnectMaxSeconds: must be at least ReconnectInitialSeconds ({Num(camera.ReconnectInitialSeconds)}); got {Num(camera.ReconnectMaxSeconds)}.");
        if (!(camera.StallTimeoutSeconds > 0))
            errors.Add($"{key}:StallTimeoutSeconds: must be more than 0 (got {Num(camera.StallTimeoutSeconds)}). Set e.g. 10.");
        if (!(camera.SimilarityThreshold is >= 0 and < 1))
            errors.Add($"{key}:SimilarityThreshold: must be 0 (off) or a cosine similarity below 1, e.g. 0.98 (got {Num(camera.SimilarityThreshold)}).");
    }

    private static void ValidateMotion(string key, MotionOptions motion, List<string> errors)
    {
        if (motion.Width is < 8 or > 640)
            errors.Add($"{key}:Width: must be 8..640 pixels (got {motion.Width}). The default 96 is enough to see motion.");
        if (motion.Threshold is < 1 or > 255)
            errors.Add($"{key}:Threshold: must be a grey-level change 1..255 (got {motion.Threshold}). Set e.g. 25.");
        if (!(motion.MinChangedArea is >= 0 and <= 1))
            errors.Add($"{key}:MinChangedArea: must be a fraction 0..1 of the frame (got {Num(motion.MinChangedArea)}). Set e.g. 0.005.");
        if (motion.OffDelaySeconds < 0)
            errors.Add($"{key}:OffDelaySeconds: must be 0 or more (got {Num(motion.OffDelaySeconds)}). Set e.g. 5.");
        for (var m = 0; m < motion.Masks.Count; m++)
        {
            if (MaskPolygon.Parse(motion.Masks[m], out var problem) is null)
                errors.Add($"{key}:Masks:{m}: {problem} Write a polygon as \"x1,y1,x2,y2,x3,y3\" with coordinates 0..1 of the frame.");
        }
    }

    private static void ValidateTasks(string cameraKey, List<TaskOptions> tasks, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var key = $"{cameraKey}:Tasks:{t}";
            if (!SettingNames.TaskKinds.Contains(task.Task))
                errors.Add($"{key}:Task: '{task.Task}' is not a task kind. Use one of {string.Join(", ", SettingNames.TaskKinds)}.");
            else if (task.Task is "answer" or "raw" && string.IsNullOrWhiteSpace(task.Prompt))
                errors.Add($"{key}:Prompt: task '{task.Task}' needs a prompt (the question for answer, the whole prefix for raw).");
            else if (task.Task is "detect" or "segment" && (task.Labels.Count == 0 || task.Labels.Any(string.IsNullOrWhiteSpace)))
                errors.Add($"{key}:Labels: task '{task.Task}' needs at least one non-empty label, e.g. {key}:Labels:0=person.");
            if (TaskRules.NameProblem(task.ResolvedName) is { } nameProblem)
                errors.Add($"{key}:Name: {nameProblem} (the name becomes an MQTT topic level).");
            else if (!names.Add(task.ResolvedName))
                errors.Add($"{key}:Name: '{task.ResolvedName}' is already used by another task of this camera. Give each task its own Name.");
            if (!SettingNames.Triggers.Contains(task.Trigger))
                errors.Add($"{key}:Trigger: '{task.Trigger}' is unknown. Use one of {string.Join(", ", SettingNames.Triggers)}.");
            if (!(task.IntervalSeconds > 0))
                errors.Add($"{key}:IntervalSeconds: must be more than 0 (got {Num(task.IntervalSeconds)}). It is the period for trigger 'interval' and the minimum gap between runs for the others; set e.g. 60.");
            if (!task.Constrained && task.Task is not ("detect" or "segment"))
                errors.Add($"{key}:Constrained: only detect and segment answers are decoded under a grammar; remove the setting from this '{task.Task}' task.");
            if (task.MaxNewTokens is < 0 or > 1024)
                errors.Add($"{key}:MaxNewTokens: must be 0 (the task's default) to 1024 (got {task.MaxNewTokens}).");
            if (!string.IsNullOrWhiteSpace(task.Answer) && (task.Answer.Trim() != TaskOptions.YesNo || task.Task != "answer"))
                errors.Add($"{key}:Answer: only \"{TaskOptions.YesNo}\" on an answer task (a yes/no question, shown in Home Assistant as a binary_sensor); got '{task.Answer}' on a {task.Task} task.");
        }
    }

    private static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);
}
