using System.Text.Json;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// Appends every result as one JSON line (the MQTT payload's main fields, without the snapshot) to
/// ResultLog:Path, rotating by size: file -> file.1 -> file.2 ... up to MaxFiles. Each line is flushed
/// before PublishAsync returns.
/// </summary>
internal sealed class JsonLinesResultPublisher : IResultPublisher, IDisposable
{
    private readonly ResultLogOptions _options;
    private readonly string _path;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly MemoryStream _line = new();
    private FileStream? _file;

    public JsonLinesResultPublisher(IOptions<ResultLogOptions> options, IOptions<AgentOptions> agent)
    {
        _options = options.Value;
        _path = Path.IsPathRooted(_options.Path) ? _options.Path : Path.Combine(agent.Value.ResolvedStateDirectory, _options.Path);
    }

    public string FilePath => _path;

    public async ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _line.SetLength(0);
            using (var writer = new Utf8JsonWriter(_line))
                Write(writer, result);
            _line.WriteByte((byte)'\n');
            var file = Open();
            if (file.Length > 0 && file.Length + _line.Length > _options.MaxBytes)
                file = Rotate();
            await file.WriteAsync(_line.GetBuffer().AsMemory(0, (int)_line.Length), cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _line.Dispose();
        _lock.Dispose();
    }

    private FileStream Open()
    {
        if (_file is not null)
            return _file;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return _file;
    }

    private FileStream Rotate()
    {
        _file!.Dispose();
        _file = null;
        var oldest = $"{_path}.{_options.MaxFiles}";
        if (File.Exists(oldest))
            File.Delete(oldest);
        for (var i = _options.MaxFiles - 1; i >= 1; i--)
        {
            if (File.Exists($"{_path}.{i}"))
                File.Move($"{_path}.{i}", $"{_path}.{i + 1}");
        }

        File.Move(_path, $"{_path}.1");
        return Open();
    }

    private static void Write(Utf8JsonWriter w, PublishedResult r)
    {
        w.WriteStartObject();
        w.WriteNumber("seq", r.Sequence);
        w.WriteString("ts", r.FrameTimestamp.UtcDateTime.ToString("O"));
        w.WriteString("device", r.DeviceId);
        w.WriteString("camera", r.Camera);
        w.WriteString("task", r.Result.Task.Kind);
        w.WriteString("name", r.TaskName);
        w.WriteString("prompt", r.Result.Task.Prefix);
        w.WriteString("text", r.Result.Text);
        w.WriteStartObject("frame");
        w.WriteNumber("width", r.FrameWidth);
        w.WriteNumber("height", r.FrameHeight);
        w.WriteEndObject();
        w.WriteString("model", r.Model);
        w.WriteBoolean("reused", r.Reused);
        var t = r.Result.Timings;
        w.WriteStartObject("timings_ms");
        w.WriteNumber("preprocess", Math.Round(t.PreprocessMs, 2));
        w.WriteNumber("vision", Math.Round(t.VisionMs, 2));
        w.WriteNumber("prefill", Math.Round(t.PrefillMs, 2));
        w.WriteNumber("decode", Math.Round(t.DecodeMs, 2));
        w.WriteNumber("total", Math.Round(t.TotalMs, 2));
        w.WriteEndObject();
        if (r.Result.Objects.Count > 0)
        {
            w.WriteStartArray("objects");
            foreach (var o in r.Result.Objects)
            {
                w.WriteStartObject();
                w.WriteString("label", o.Label);
                w.WriteNumber("score", Math.Round(o.Score, 4));
                WriteBox(w, "box", o.Box, 1);
                WriteBox(w, "box_norm", o.BoxNormalized, 4);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (r.Result.Note is { } note)
            w.WriteString("note", note);
        w.WriteEndObject();
    }

    private static void WriteBox(Utf8JsonWriter w, string name, Vision.Tasks.BoxF box, int digits)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(box.XMin, digits));
        w.WriteNumberValue(Math.Round(box.YMin, digits));
        w.WriteNumberValue(Math.Round(box.XMax, digits));
        w.WriteNumberValue(Math.Round(box.YMax, digits));
        w.WriteEndArray();
    }
}
