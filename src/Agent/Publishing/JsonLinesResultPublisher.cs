using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// Appends every result as one JSON line (the MQTT result message from <see cref="ResultJson"/>; the snapshot goes
/// only to its own topic) to ResultLog:Path, rotating by size: file -> file.1 -> file.2 ... up to MaxFiles. Each line is flushed
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
            // The line is the MQTT result message itself (schemas/result.json), so the log and the broker never disagree.
            _line.SetLength(0);
            _line.Write(ResultJson.Result(result));
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
}
