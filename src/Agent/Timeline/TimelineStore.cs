using EdgePali.Agent.Pipeline;
using System.Globalization;
using System.Text;
using EdgePali.Agent.Options;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Imaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Timeline;

/// <summary>
/// The results timeline: every published result (its MQTT message and a small snapshot thumbnail) in SQLite at
/// `{Agent:StateDirectory}/timeline.db`, with an FTS5 index over text, labels, camera and task for search. Bounded by
/// age and size (Timeline:MaxAgeHours, Timeline:MaxMegabytes): after each insert the expired and, while too big,
/// the oldest results are deleted and the freed pages returned to the file system (incremental vacuum), so a board's
/// SD card never fills with history. One connection, used under a lock: the dispatcher writes one result at a time
/// and searches are rare, so a pool would buy nothing.
/// </summary>
internal sealed class TimelineStore : IDisposable
{
    public const string FileName = "timeline.db";
    private readonly Lock _lock = new();
    // Kept for the next thumbnail: a new stream grown past 85 kB per result was large-object-heap garbage (memory soak).
    private readonly Lock _thumbnailLock = new();
    private readonly MemoryStream _thumbnailJpeg = new();
    private readonly SqliteConnection _connection;
    private readonly TimelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TimelineStore> _logger;

    public TimelineStore(IOptions<AgentOptions> agent, IOptions<TimelineOptions> options, TimeProvider time, ILogger<TimelineStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        var directory = agent.Value.ResolvedStateDirectory;
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA auto_vacuum = INCREMENTAL;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS results (
                seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, camera TEXT NOT NULL, task TEXT NOT NULL,
                json TEXT NOT NULL, thumbnail BLOB);
            CREATE INDEX IF NOT EXISTS results_ts ON results (ts);
            CREATE VIRTUAL TABLE IF NOT EXISTS results_fts USING fts5 (text, labels, camera, task, tokenize = 'porter unicode61');
            """);
    }

    public string Path { get; }

    /// <summary>Stores <paramref name="result"/> (replacing one with the same sequence number) and enforces the bounds.</summary>
    public void Add(PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var json = Encoding.UTF8.GetString(ResultJson.Result(result));
        var thumbnail = Thumbnail(result.SnapshotJpeg);
        var labels = string.Join(' ', result.Result.Objects.Select(o => o.Label).Distinct(StringComparer.Ordinal));
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            Execute("DELETE FROM results_fts WHERE rowid = $seq; DELETE FROM results WHERE seq = $seq;", ("$seq", result.Sequence));
            Execute("INSERT INTO results (seq, ts, camera, task, json, thumbnail) VALUES ($seq, $ts, $camera, $task, $json, $thumbnail);",
                ("$seq", result.Sequence), ("$ts", result.FrameTimestamp.ToUnixTimeMilliseconds()), ("$camera", result.Camera),
                ("$task", result.TaskName), ("$json", json), ("$thumbnail", thumbnail));
            Execute("INSERT INTO results_fts (rowid, text, labels, camera, task) VALUES ($seq, $text, $labels, $camera, $task);",
                ("$seq", result.Sequence), ("$text", result.Result.Text), ("$labels", labels), ("$camera", result.Camera), ("$task", result.TaskName));
            transaction.Commit();
            Prune();
        }
    }

    /// <summary>
    /// Newest first. <paramref name="query"/>: words that must all occur (in the text, a detected label, the camera or
    /// task name; "person" also finds "persons"); null or blank lists everything. <paramref name="camera"/> narrows to one camera.
    /// </summary>
    public IReadOnlyList<TimelineEntry> Search(string? query, string? camera, int limit)
    {
        var match = ToMatchExpression(query);
        var sql = match is null
            ? "SELECT seq, camera, task, ts, json, thumbnail IS NOT NULL FROM results WHERE ($camera IS NULL OR camera = $camera) ORDER BY seq DESC LIMIT $limit;"
            : """
              SELECT r.seq, r.camera, r.task, r.ts, r.json, r.thumbnail IS NOT NULL FROM results_fts f JOIN results r ON r.seq = f.rowid
              WHERE results_fts MATCH $match AND ($camera IS NULL OR r.camera = $camera) ORDER BY r.seq DESC LIMIT $limit;
              """;
        lock (_lock)
        {
            using var command = Command(sql, ("$camera", camera), ("$limit", Math.Clamp(limit, 1, 1000)), ("$match", match));
            using var reader = command.ExecuteReader();
            var entries = new List<TimelineEntry>();
            while (reader.Read())
            {
                entries.Add(new TimelineEntry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4), reader.GetBoolean(5)));
            }

            return entries;
        }
    }

    public byte[]? GetThumbnail(long sequence)
    {
        lock (_lock)
        {
            using var command = Command("SELECT thumbnail FROM results WHERE seq = $seq;", ("$seq", sequence));
            return command.ExecuteScalar() as byte[];
        }
    }

    public long Count()
    {
        lock (_lock)
        {
            using var command = Command("SELECT count(*) FROM results;");
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Bytes in use (pages not on the free list).</summary>
    public long SizeBytes()
    {
        lock (_lock)
            return UsedBytes();
    }

    public void Dispose()
    {
        _connection.Dispose();
        _thumbnailJpeg.Dispose();
    }

    /// <summary>
    /// Search words as an FTS5 expression: each word quoted (so user input is never FTS syntax: no column filters,
    /// NEAR or operators), all required.
    /// </summary>
    internal static string? ToMatchExpression(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
            return null;
        var words = query.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', words.Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
    }

    private void Prune()
    {
        var cutoff = (_time.GetUtcNow() - TimeSpan.FromHours(_options.MaxAgeHours)).ToUnixTimeMilliseconds();
        var deleted = DeleteWhere("ts < $cutoff", ("$cutoff", cutoff));
        var limit = (long)(_options.MaxMegabytes * 1024 * 1024);
        while (UsedBytes() > limit)
        {
            // A tenth of what is left, at least one: few rounds even when a smaller limit was just configured.
            var count = Math.Max(1, Scalar("SELECT count(*) FROM results;") / 10);
            if (count == 0 || Scalar("SELECT count(*) FROM results;") == 0)
                break;
            deleted += DeleteWhere("seq IN (SELECT seq FROM results ORDER BY seq LIMIT $count)", ("$count", count));
        }

        if (deleted > 0)
        {
            Execute("PRAGMA incremental_vacuum;");
            _logger.LogDebug("Timeline: {Deleted} old results deleted ({Bytes} bytes in use)", deleted, UsedBytes());
        }
    }

    private int DeleteWhere(string condition, params (string Name, object? Value)[] parameters)
    {
        Execute($"DELETE FROM results_fts WHERE rowid IN (SELECT seq FROM results WHERE {condition});", parameters);
        using var command = Command($"DELETE FROM results WHERE {condition};", parameters);
        return command.ExecuteNonQuery();
    }

    private long UsedBytes() => (Scalar("PRAGMA page_count;") - Scalar("PRAGMA freelist_count;")) * Scalar("PRAGMA page_size;");

    private long Scalar(string sql)
    {
        using var command = Command(sql);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private byte[]? Thumbnail(ReadOnlyMemory<byte>? snapshot)
    {
        if (snapshot is not { Length: > 0 } jpeg || _options.ThumbnailWidth == 0)
            return null;
        try
        {
            // Decoded, scaled and encoded in ImageSharp's pooled buffers: a decoded 480x360 copy and a scaled one per
            // result were large-object-heap garbage (docs/benchmarks.md, "Memory soak").
            lock (_thumbnailLock)
                return ImageFiles.ShrinkToJpeg(jpeg.Span, _options.ThumbnailWidth, 75, _thumbnailJpeg) ?? jpeg.ToArray();
        }
        catch (IOException e)
        {
            _logger.LogWarning("Timeline: the snapshot could not be made a thumbnail: {Message}", e.Message);
            return null;
        }
    }
}
