using System.Globalization;
using System.Text;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The device-wide result sequence number: +1 per result, kept in "sequence" in the state directory.
/// Write-ahead: a number is on disk (written to a temporary file, flushed, renamed over the old one)
/// before it is handed out, so no crash can make the worker issue the same number twice; a crash between
/// writing and publishing leaves at most a gap of one.
/// </summary>
public sealed class ResultSequence
{
    public const string FileName = "sequence";

    private readonly Lock _lock = new();
    private readonly string _path;
    private long _last;

    public ResultSequence(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        _path = Path.Combine(stateDirectory, FileName);
        _last = Load(_path);
    }

    /// <summary>The last number handed out (0 before the first result ever).</summary>
    public long Last
    {
        get
        {
            lock (_lock)
                return _last;
        }
    }

    /// <summary>Persists and returns the next number.</summary>
    public long Next()
    {
        lock (_lock)
        {
            var next = _last + 1;
            var temporary = _path + ".tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64, FileOptions.WriteThrough))
            {
                stream.Write(Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
            _last = next;
            return next;
        }
    }

    private static long Load(string path)
    {
        if (!File.Exists(path))
            return 0;
        var text = File.ReadAllText(path).Trim();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            return last;
        throw new InvalidDataException(
            $"The sequence file '{path}' holds '{text}', not a number. Restore it from a backup, or write the last published seq into it (delete it only if restarting the numbering at 1 is acceptable to subscribers).");
    }
}
